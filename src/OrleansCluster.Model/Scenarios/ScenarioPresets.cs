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
