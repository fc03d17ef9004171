using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Model.Scenarios;

namespace OrleansCluster.Grains;

/// <summary>The one place a <see cref="ScenarioSource"/> (a preset's name, or a scenario's JSON) becomes a validated <see cref="Scenario"/>.</summary>
public static class ScenarioResolver
{
    /// <summary>
    /// The scenario <paramref name="source"/> names or carries. Throws <see cref="ScenarioValidationException"/> for an
    /// invalid file and <see cref="KeyNotFoundException"/> for an unknown preset.
    /// </summary>
    public static Scenario Resolve(ScenarioSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.Preset is { } preset ? ScenarioPresets.Load(preset)
            : source.Json is { } json ? ScenarioLoader.Parse(json)
            : throw new ArgumentException("a scenario source names a preset or carries JSON", nameof(source));
    }
}
