using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using OrleansCluster.Model.Generations;

namespace OrleansCluster.Model.Scenarios;

/// <summary>
/// Reads scenario JSON, fills the documented defaults, validates every field and converts the file's
/// units to SI. Errors name the field at fault (<c>sites[1].nodes[0].generation: unknown generation 'H900'</c>).
/// </summary>
public static partial class ScenarioLoader
{
    /// <summary>Most nodes a site may hold: ids carry a five-digit index.</summary>
    public const int MaxNodesPerSite = 99_999;

    private const double GbpsToBytesPerSecond = 1e9 / 8;
    private const double Micro = 1e-6;

    /// <summary>The options scenario files are read and written with (camelCase, comments allowed).</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };

    /// <summary>
    /// The nodes a scenario holds over every site, summed from its node groups without laying anything out,
    /// in <see cref="long"/>: thousands of sites of 99,999 nodes overflow an <see cref="int"/>. This is what a
    /// host checks against its memory before it builds a single node.
    /// </summary>
    public static long CountNodes(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        long total = 0;
        foreach (var site in scenario.Sites)
        {
            foreach (var group in site.Nodes)
            {
                total += group.Count;
            }
        }

        return total;
    }

    /// <summary>Parses and validates <paramref name="json"/>; throws <see cref="ScenarioValidationException"/>.</summary>
    public static Scenario Parse(string json)
    {
        var document = Deserialize(json);
        return Validate(document);
    }

    /// <summary>Parses without throwing: the scenario, or every error found.</summary>
    public static bool TryParse(string json, out Scenario? scenario, out IReadOnlyList<ScenarioError> errors)
    {
        try
        {
            scenario = Parse(json);
            errors = [];
            return true;
        }
        catch (ScenarioValidationException e)
        {
            scenario = null;
            errors = e.Errors;
            return false;
        }
    }

    /// <summary>Reads the JSON shape only; malformed JSON and unknown fields are reported with their path.</summary>
    public static ScenarioDocument Deserialize(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<ScenarioDocument>(json, JsonOptions)
                ?? throw new ScenarioValidationException([new ScenarioError(string.Empty, "the scenario is null")]);
        }
        catch (JsonException e)
        {
            var field = FieldFromJsonPath(e.Path);
            var message = e.Message.Contains("could not be mapped", StringComparison.Ordinal)
                ? "unknown field"
                : $"malformed JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})";
            throw new ScenarioValidationException([new ScenarioError(field, message)]);
        }
    }

    /// <summary>Validates a document and converts it to a <see cref="Scenario"/>.</summary>
    public static Scenario Validate(ScenarioDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var errors = new List<ScenarioError>();
        void Fail(string field, string message) => errors.Add(new ScenarioError(field, message));

        var name = document.Name;
        if (string.IsNullOrWhiteSpace(name))
        {
            Fail("name", "required");
        }
        else if (!NamePattern().IsMatch(name))
        {
            Fail("name", $"'{name}' must be 1-64 characters of a-z, 0-9, '-', '_' or '.'");
        }

        var catalogue = ReadGenerations(document.Generations, Fail);
        var job = ReadJob(document.Job, Fail);
        var sites = ReadSites(document.Sites, catalogue, Fail);
        var links = ReadLinks(document.Links, sites, Fail);
        CheckWholeReplicas(job, sites, Fail);
        var economics = ReadEconomics(document.Economics, catalogue, Fail);
        var failures = ReadFailures(document.Failures, Fail);

        var noiseDocument = document.Noise ?? new NoiseDocument();
        var computeCv = noiseDocument.ComputeCv ?? 0.02;
        Check(computeCv is >= 0 and <= 1, "noise.computeCv", $"{computeCv} must be within [0, 1]", Fail);
        var jitter = noiseDocument.LinkJitterMicroseconds ?? 0;
        Check(jitter is >= 0 and <= 1e7, "noise.linkJitterMicroseconds", $"{jitter} must be within [0, 1e7]", Fail);
        var nodeCv = noiseDocument.NodeCv ?? 0;
        Check(nodeCv is >= 0 and <= 1, "noise.nodeCv", $"{nodeCv} must be within [0, 1]", Fail);
        var outlierProbability = noiseDocument.OutlierProbability ?? 0;
        Check(outlierProbability is >= 0 and <= 1, "noise.outlierProbability", $"{outlierProbability} must be within [0, 1]", Fail);
        var outlierFactor = noiseDocument.OutlierFactor ?? 1.5;
        Check(outlierFactor is >= 1 and <= 100, "noise.outlierFactor", $"{outlierFactor} must be within [1, 100]", Fail);

        var stragglerDocument = document.Stragglers ?? new StragglersDocument();
        var threshold = stragglerDocument.Threshold ?? 0.10;
        Check(threshold is > 0 and <= 10, "stragglers.threshold", $"{threshold} must be within (0, 10]", Fail);
        var topK = stragglerDocument.TopK ?? 20;
        Check(topK is >= 1 and <= 1000, "stragglers.topK", $"{topK} must be within [1, 1000]", Fail);

        if (errors.Count > 0)
        {
            throw new ScenarioValidationException(errors);
        }

        return new Scenario(
            name!,
            document.Seed ?? 1,
            job!,
            sites,
            links,
            new NoiseSpec(computeCv, jitter * Micro, nodeCv, outlierProbability, outlierFactor),
            new StragglerSpec(threshold, topK),
            catalogue)
        {
            Economics = economics,
            Failures = failures,
        };
    }

    private static GpuCatalogue ReadGenerations(List<GenerationDocument?>? documents, Action<string, string> fail)
    {
        if (documents is null)
        {
            return GpuCatalogue.Default;
        }

        var rows = new List<GpuGeneration>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < documents.Count; i++)
        {
            var path = $"generations[{i}]";
            var g = documents[i];
            if (g is null)
            {
                fail(path, "required");
                continue;
            }

            if (string.IsNullOrWhiteSpace(g.Name) || !NamePattern().IsMatch(g.Name))
            {
                fail($"{path}.name", "required: 1-64 characters of a-z, A-Z, 0-9, '-', '_' or '.'");
                continue;
            }

            if (!seen.Add(g.Name))
            {
                fail($"{path}.name", $"duplicate generation '{g.Name}'");
                continue;
            }

            GpuCatalogue.Default.TryGet(g.Name, out var known);
            double Field(double? value, double? inherited, string field, double scale, bool positive)
            {
                var v = value ?? (inherited / scale);
                if (v is null)
                {
                    fail($"{path}.{field}", "required for a generation the catalogue does not have");
                    return 0;
                }

                if (positive ? !(v > 0) : !(v >= 0))
                {
                    fail($"{path}.{field}", $"{v} must be {(positive ? "> 0" : ">= 0")}");
                }

                return v.Value * scale;
            }

            rows.Add(new GpuGeneration(
                g.Name,
                Field(g.PeakTflops, known?.PeakFlopsPerSecond, "peakTflops", 1e12, positive: true),
                Field(g.HbmGb, known?.HbmBytes, "hbmGb", 1e9, positive: false),
                Field(g.HbmTbps, known?.HbmBandwidthBytesPerSecond, "hbmTbps", 1e12, positive: false),
                Field(g.NvlinkGBps, known?.NvLinkBandwidthBytesPerSecond, "nvlinkGBps", 1e9, positive: false),
                Field(g.TdpWatts, known?.TdpWatts, "tdpWatts", 1, positive: false)));
        }

        return GpuCatalogue.Default.With(rows);
    }

    private static List<SiteSpec> ReadSites(List<SiteDocument?>? documents, GpuCatalogue catalogue, Action<string, string> fail)
    {
        var sites = new List<SiteSpec>();
        if (documents is null || documents.Count == 0)
        {
            fail("sites", "at least one site is required");
            return sites;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < documents.Count; i++)
        {
            var path = $"sites[{i}]";
            var site = documents[i];
            if (site is null)
            {
                fail(path, "required");
                continue;
            }

            var name = site.Name;
            if (string.IsNullOrWhiteSpace(name))
            {
                fail($"{path}.name", "required");
            }
            else if (!IdPattern().IsMatch(name))
            {
                fail($"{path}.name", $"'{name}' must be 1-32 characters of a-z, 0-9 and '-', starting with a letter or digit");
            }
            else if (!names.Add(name))
            {
                fail($"{path}.name", $"duplicate site '{name}'");
            }

            FabricSpec fabric = new(0, 0);
            if (site.Fabric is null)
            {
                fail($"{path}.fabric", "required");
            }
            else
            {
                var bandwidth = site.Fabric.BandwidthGbps;
                if (bandwidth is null)
                {
                    fail($"{path}.fabric.bandwidthGbps", "required");
                }
                else
                {
                    Check(bandwidth > 0 && double.IsFinite(bandwidth.Value), $"{path}.fabric.bandwidthGbps", $"{bandwidth} must be > 0", fail);
                }

                var hop = site.Fabric.HopLatencyMicroseconds ?? 0;
                Check(hop is >= 0 and <= 1e6, $"{path}.fabric.hopLatencyMicroseconds", $"{hop} must be within [0, 1e6]", fail);
                fabric = new FabricSpec((bandwidth ?? 0) * GbpsToBytesPerSecond, hop * Micro);
            }

            var gpusPerNode = site.GpusPerNode ?? 8;
            Check(gpusPerNode is >= 1 and <= 72, $"{path}.gpusPerNode", $"{gpusPerNode} must be within [1, 72]", fail);

            var groups = new List<NodeGroupSpec>();
            if (site.Nodes is null || site.Nodes.Count == 0)
            {
                fail($"{path}.nodes", "at least one node group is required");
            }
            else
            {
                long total = 0;
                for (var j = 0; j < site.Nodes.Count; j++)
                {
                    var groupPath = $"{path}.nodes[{j}]";
                    var group = site.Nodes[j];
                    if (group is null)
                    {
                        fail(groupPath, "required");
                        continue;
                    }

                    GpuGeneration? generation = null;
                    if (string.IsNullOrWhiteSpace(group.Generation))
                    {
                        fail($"{groupPath}.generation", "required");
                    }
                    else if (!catalogue.TryGet(group.Generation, out generation))
                    {
                        fail($"{groupPath}.generation", $"unknown generation '{group.Generation}'");
                    }

                    var count = group.Count;
                    if (count is null)
                    {
                        fail($"{groupPath}.count", "required");
                    }
                    else if (count < 1)
                    {
                        fail($"{groupPath}.count", $"{count} must be >= 1");
                    }
                    else
                    {
                        total += count.Value;
                    }

                    var groupGpus = group.GpusPerNode ?? gpusPerNode;
                    Check(groupGpus is >= 1 and <= 72, $"{groupPath}.gpusPerNode", $"{groupGpus} must be within [1, 72]", fail);
                    if (generation is not null && count >= 1)
                    {
                        groups.Add(new NodeGroupSpec(generation, count.Value, groupGpus));
                    }
                }

                Check(total <= MaxNodesPerSite, $"{path}.nodes", $"{total} nodes exceed the {MaxNodesPerSite} a site may hold", fail);
            }

            sites.Add(new SiteSpec(name ?? string.Empty, fabric, gpusPerNode, groups));
        }

        return sites;
    }

    private static List<LinkSpec> ReadLinks(List<LinkDocument?>? documents, List<SiteSpec> sites, Action<string, string> fail)
    {
        var links = new List<LinkSpec>();
        documents ??= [];
        var siteNames = sites.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < documents.Count; i++)
        {
            var path = $"links[{i}]";
            var link = documents[i];
            if (link is null)
            {
                fail(path, "required");
                continue;
            }

            var ok = true;
            foreach (var (field, value) in new[] { ("from", link.From), ("to", link.To) })
            {
                if (string.IsNullOrWhiteSpace(value))
                {
                    fail($"{path}.{field}", "required");
                    ok = false;
                }
                else if (!siteNames.Contains(value))
                {
                    fail($"{path}.{field}", $"unknown site '{value}'");
                    ok = false;
                }
            }

            if (ok && string.Equals(link.From, link.To, StringComparison.Ordinal))
            {
                fail($"{path}.to", "a link joins two different sites");
                ok = false;
            }

            var id = link.Name ?? $"{link.From}-{link.To}";
            if (link.Name is not null && !IdPattern().IsMatch(link.Name))
            {
                fail($"{path}.name", $"'{link.Name}' must be 1-32 characters of a-z, 0-9 and '-'");
            }
            else if (!ids.Add(id))
            {
                fail(link.Name is null ? path : $"{path}.name", $"duplicate link '{id}'");
            }

            var distance = link.DistanceKm;
            if (distance is null)
            {
                fail($"{path}.distanceKm", "required");
            }
            else
            {
                Check(distance is >= 0 and <= 40_000, $"{path}.distanceKm", $"{distance} must be within [0, 40000]", fail);
            }

            var route = link.RouteFactor ?? 1;
            Check(route is >= 1 and <= 10, $"{path}.routeFactor", $"{route} must be within [1, 10]", fail);
            var equipment = link.EquipmentLatencyMicroseconds ?? 0;
            Check(equipment is >= 0 and <= 1e7, $"{path}.equipmentLatencyMicroseconds", $"{equipment} must be within [0, 1e7]", fail);
            var bandwidth = link.BandwidthGbps;
            if (bandwidth is null)
            {
                fail($"{path}.bandwidthGbps", "required");
            }
            else
            {
                Check(bandwidth > 0 && double.IsFinite(bandwidth.Value), $"{path}.bandwidthGbps", $"{bandwidth} must be > 0", fail);
            }

            var window = link.MaxInFlightMegabytes;
            Check(window is null or (> 0 and <= 1e6), $"{path}.maxInFlightMegabytes", $"{window} must be within (0, 1e6]", fail);
            if (ok)
            {
                links.Add(new LinkSpec(id, link.From!, link.To!, distance ?? 0, route, equipment * Micro, (bandwidth ?? 0) * GbpsToBytesPerSecond)
                {
                    MaxInFlightBytes = window is { } megabytes ? megabytes * 1e6 : double.PositiveInfinity,
                });
            }
        }

        if (sites.Count > 1 && sites.All(s => s.Name.Length > 0) && !Connected(sites, links))
        {
            fail("links", $"the links must join all {sites.Count} sites (the all-reduce ring crosses them)");
        }

        return links;
    }

    private static bool Connected(List<SiteSpec> sites, List<LinkSpec> links)
    {
        var reached = new HashSet<string>(StringComparer.Ordinal) { sites[0].Name };
        var frontier = new Queue<string>(reached);
        while (frontier.TryDequeue(out var site))
        {
            foreach (var link in links)
            {
                var other = link.From == site ? link.To : link.To == site ? link.From : null;
                if (other is not null && reached.Add(other))
                {
                    frontier.Enqueue(other);
                }
            }
        }

        return reached.Count == sites.Select(s => s.Name).Distinct(StringComparer.Ordinal).Count();
    }

    private static void Check(bool condition, string field, string message, Action<string, string> fail)
    {
        if (!condition)
        {
            fail(field, message);
        }
    }

    private static string FieldFromJsonPath(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return string.Empty;
        }

        return path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,31}$")]
    private static partial Regex IdPattern();
}
