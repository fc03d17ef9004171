using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

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

    /// <summary>Reads the JSON shape only; malformed JSON, unknown fields and values their field's type cannot hold are reported with their path.</summary>
    public static ScenarioDocument Deserialize(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<ScenarioDocument>(json, JsonOptions)
                ?? throw new ScenarioValidationException([new ScenarioError(string.Empty, "the scenario is null")]);
        }
        catch (JsonException e)
        {
            throw new ScenarioValidationException([new ScenarioError(FieldFromJsonPath(e.Path), JsonReadErrors.Describe(e))]);
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

    /// <summary>Whether <paramref name="name"/> is a name as scenarios and their parts take them (also a campaign's): 1-64 of a-z, A-Z, 0-9, '-', '_', '.', starting with a letter or digit.</summary>
    public static bool IsValidName(string name) => NamePattern().IsMatch(name);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,31}$")]
    private static partial Regex IdPattern();
}
