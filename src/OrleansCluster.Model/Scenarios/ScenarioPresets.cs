using System.Collections.Frozen;

namespace OrleansCluster.Model.Scenarios;

/// <summary>The built-in scenarios, shipped as embedded JSON beside the code.</summary>
public static class ScenarioPresets
{
    /// <summary>The embedded default.</summary>
    public const string Default = "small";

    private const string ResourcePrefix = "OrleansCluster.Model.Presets.";

    private static readonly FrozenDictionary<string, string> Documents = LoadDocuments();

    /// <summary>Preset names, in order.</summary>
    public static IReadOnlyList<string> Names { get; } = Documents.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>The preset's JSON, comments included.</summary>
    public static bool TryGetJson(string name, out string json) => Documents.TryGetValue(name, out json!);

    /// <summary>The preset parsed and validated; throws <see cref="KeyNotFoundException"/> for an unknown name.</summary>
    public static Scenario Load(string name) =>
        TryGetJson(name, out var json)
            ? ScenarioLoader.Parse(json)
            : throw new KeyNotFoundException($"unknown preset '{name}' (known: {string.Join(", ", Names)})");

    /// <summary>
    /// The load tests' scenario <c>ramp-N</c>: <paramref name="nodes"/> H100 nodes in as many sites of at most 99,999
    /// as it takes, in a chain of links (what <c>orleanscluster ramp</c> loads and the benchmark's <c>--nodes</c> runs).
    /// </summary>
    public static string UniformJson(int nodes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nodes, 1);
        var sites = new List<string>();
        for (int remaining = nodes, i = 0; remaining > 0; i++)
        {
            var count = Math.Min(remaining, 99_999);
            sites.Add($$"""{ "name": "s{{i}}", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 2 }, "nodes": [ { "generation": "H100", "count": {{count}} } ] }""");
            remaining -= count;
        }

        var links = Enumerable.Range(1, sites.Count - 1).Select(i => $$"""{ "from": "s{{i - 1}}", "to": "s{{i}}", "distanceKm": 10, "bandwidthGbps": 800 }""");
        return $$"""
            { "name": "ramp-{{nodes}}", "seed": 1,
              "job": { "flopsPerGpuPerStep": 4e14, "gradientBytes": 2e9, "barrierTimeoutSeconds": 600 },
              "sites": [ {{string.Join(", ", sites)}} ], "links": [ {{string.Join(", ", links)}} ] }
            """;
    }

    private static FrozenDictionary<string, string> LoadDocuments()
    {
        var assembly = typeof(ScenarioPresets).Assembly;
        var documents = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal) || !resource.EndsWith(".json", StringComparison.Ordinal))
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            documents[resource[ResourcePrefix.Length..^".json".Length]] = reader.ReadToEnd();
        }

        return documents.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
