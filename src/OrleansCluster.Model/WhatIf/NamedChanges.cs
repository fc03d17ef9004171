using System.Globalization;
using System.Text.Json.Nodes;
using OrleansCluster.Model.Scenarios;

namespace OrleansCluster.Model.WhatIf;

/// <summary>
/// The named changes of DESIGN.md 7.7, each an edit of the scenario document (docs/economics.md):
/// <c>drop-site:NAME</c> removes the site and its links; <c>drop-generation:NAME</c> removes that generation's
/// node groups, then any site left empty with its links; <c>heal-links</c> gives every link the modern figures
/// of <see cref="ModernRouteFactor"/> and the constants beside it (distance unchanged, never made worse);
/// <c>balance:proportional</c> sets <c>job.balance</c>; <c>inter-site-every:H</c> sets
/// <c>job.comm.interSiteEverySteps</c>. <c>standard</c> is the baseline and each of those that applies.
/// </summary>
public static class NamedChanges
{
    /// <summary>A healed link's route factor at most (nearly straight fibre).</summary>
    public const double ModernRouteFactor = 1.1;

    /// <summary>A healed link's equipment latency at most, microseconds (modern optics and switches).</summary>
    public const double ModernEquipmentLatencyMicroseconds = 30;

    /// <summary>A healed link's bandwidth at least, Gb/s (128 x 400G wavelengths).</summary>
    public const double ModernBandwidthGbps = 51_200;

    /// <summary>A healed link's in-flight window at least, MB (deep-buffer switches); an unlimited window stays unlimited.</summary>
    public const double ModernMaxInFlightMegabytes = 8_192;

    /// <summary>The H of <c>inter-site-every:H</c> that <c>standard</c> uses (local SGD / DiLoCo-style).</summary>
    public const int StandardInterSiteEverySteps = 8;

    /// <summary>The named change <c>standard</c> expands to.</summary>
    public const string Standard = "standard";

    /// <summary>The named changes as a user writes them, for messages that say what is taken.</summary>
    public static IReadOnlyList<string> Forms { get; } = ["drop-site:NAME", "drop-generation:NAME", "heal-links", "balance:proportional", "inter-site-every:H", Standard];

    /// <summary>
    /// Whether <paramref name="change"/> has the shape of a named change (a known verb, with an argument where it takes
    /// one); whether it applies to a scenario is <see cref="Apply"/>'s to say.
    /// </summary>
    public static bool IsNamed(string change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var colon = change.IndexOf(':', StringComparison.Ordinal);
        return colon < 0
            ? change is "heal-links" or Standard
            : colon < change.Length - 1 && change[..colon] is "drop-site" or "drop-generation" or "balance" or "inter-site-every";
    }

    /// <summary>The variants <c>standard</c> expands to on <paramref name="scenario"/>: the baseline and every change that applies.</summary>
    public static IReadOnlyList<WhatIfVariant> StandardVariants(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var changes = new List<string>();
        if (scenario.Sites.Count > 1)
        {
            changes.AddRange(scenario.Sites.Select(s => $"drop-site:{s.Name}"));
        }

        var generations = scenario.Sites.SelectMany(s => s.Nodes).Select(n => n.Generation.Name).Distinct(StringComparer.Ordinal).ToArray();
        if (generations.Length > 1)
        {
            changes.AddRange(generations.Select(g => $"drop-generation:{g}"));
        }

        if (scenario.Links.Any(NeedsHealing))
        {
            changes.Add("heal-links");
        }

        if (scenario.Job.Model is not null && generations.Length > 1 && scenario.Job.Balance == WorkBalance.Equal)
        {
            changes.Add("balance:proportional");
        }

        if (scenario.Job.Model is not null && scenario.Sites.Count > 1 && scenario.Job.InterSiteEverySteps < StandardInterSiteEverySteps)
        {
            changes.Add($"inter-site-every:{StandardInterSiteEverySteps}");
        }

        return [WhatIfVariant.Baseline, .. changes.Select(c => new WhatIfVariant(c, Change: c))];
    }

    /// <summary>Applies <paramref name="change"/> to a copy of <paramref name="document"/>; the error names what is wrong.</summary>
    public static JsonObject Apply(JsonObject document, string change, out string? error)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(change);
        var copy = (JsonObject)document.DeepClone();
        var colon = change.IndexOf(':', StringComparison.Ordinal);
        var (verb, argument) = colon < 0 ? (change, string.Empty) : (change[..colon], change[(colon + 1)..]);
        error = verb switch
        {
            "drop-site" => DropSite(copy, argument),
            "drop-generation" => DropGeneration(copy, argument),
            "heal-links" when argument.Length == 0 => HealLinks(copy),
            "balance" when argument is "proportional" or "equal" => Set(copy, "job", "balance", argument),
            "inter-site-every" => InterSiteEvery(copy, argument),
            _ => $"unknown change '{change}' (known: {string.Join(", ", Forms)})",
        };
        return copy;
    }

    private static bool NeedsHealing(LinkSpec link) =>
        link.RouteFactor > ModernRouteFactor
        || link.EquipmentLatencySeconds > ModernEquipmentLatencyMicroseconds * 1e-6
        || link.BandwidthBytesPerSecond < ModernBandwidthGbps * 1e9 / 8
        || link.MaxInFlightBytes < ModernMaxInFlightMegabytes * 1e6;

    private static JsonArray Array(JsonObject document, string name) => document[name] as JsonArray ?? [];

    private static string? Text(JsonNode? node, string name) =>
        node is JsonObject o && o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static string? DropSite(JsonObject document, string site)
    {
        var sites = Array(document, "sites");
        var match = sites.Where(s => Text(s, "name") == site).ToArray();
        if (match.Length == 0)
        {
            return $"drop-site: no site '{site}'";
        }

        foreach (var s in match)
        {
            sites.Remove(s);
        }

        return sites.Count == 0 ? $"drop-site:{site} leaves no site" : DropLinksOf(document, site);
    }

    private static string? DropLinksOf(JsonObject document, string site)
    {
        var links = Array(document, "links");
        foreach (var link in links.Where(l => Text(l, "from") == site || Text(l, "to") == site).ToArray())
        {
            links.Remove(link);
        }

        return null;
    }

    private static string? DropGeneration(JsonObject document, string generation)
    {
        var sites = Array(document, "sites");
        var found = false;
        foreach (var site in sites.OfType<JsonObject>().ToArray())
        {
            var nodes = site["nodes"] as JsonArray ?? [];
            foreach (var group in nodes.Where(n => Text(n, "generation") == generation).ToArray())
            {
                nodes.Remove(group);
                found = true;
            }

            if (nodes.Count == 0)
            {
                sites.Remove(site);
                DropLinksOf(document, Text(site, "name") ?? string.Empty);
            }
        }

        return !found ? $"drop-generation: no node of generation '{generation}'"
            : sites.Count == 0 ? $"drop-generation:{generation} leaves no node" : null;
    }

    private static string? HealLinks(JsonObject document)
    {
        foreach (var link in Array(document, "links").OfType<JsonObject>())
        {
            Bound(link, "routeFactor", ModernRouteFactor, Math.Min);
            Bound(link, "equipmentLatencyMicroseconds", ModernEquipmentLatencyMicroseconds, Math.Min);
            Bound(link, "bandwidthGbps", ModernBandwidthGbps, Math.Max);
            Bound(link, "maxInFlightMegabytes", ModernMaxInFlightMegabytes, Math.Max);
        }

        return null;
    }

    // An absent figure is the loader's default (route 1, no equipment latency, unlimited window): already modern.
    private static void Bound(JsonObject link, string field, double modern, Func<double, double, double> pick)
    {
        if (link[field] is JsonValue v && v.TryGetValue<double>(out var current))
        {
            link[field] = pick(current, modern);
        }
    }

    private static string? InterSiteEvery(JsonObject document, string argument)
    {
        if (!int.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out var h) || h is < 1 or > 1_000_000)
        {
            return $"inter-site-every: '{argument}' must be a whole number of steps within [1, 1000000]";
        }

        var job = document["job"] as JsonObject;
        if (job?["model"] is null)
        {
            return "inter-site-every: needs job.model (the direct mode synchronises every step)";
        }

        return Set(job, "comm", "interSiteEverySteps", h);
    }

    private static string? Set(JsonObject parent, string objectName, string field, JsonNode value)
    {
        if (parent[objectName] is not JsonObject target)
        {
            target = [];
            parent[objectName] = target;
        }

        target[field] = value;
        return null;
    }
}
