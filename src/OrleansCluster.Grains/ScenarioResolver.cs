using System.Diagnostics.CodeAnalysis;
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

    /// <summary>
    /// The scenario <paramref name="source"/> names or carries, or false with every field at fault in its JSON, or
    /// <c>preset</c> for an unknown preset (whose message lists the known ones). <see cref="Describe"/> makes the
    /// errors one line.
    /// </summary>
    public static bool TryResolve(ScenarioSource source, [NotNullWhen(true)] out Scenario? scenario, out IReadOnlyList<ScenarioError> errors)
    {
        try
        {
            scenario = Resolve(source);
            errors = [];
            return true;
        }
        catch (ScenarioValidationException e)
        {
            errors = e.Errors.Count > 0 ? e.Errors : [new ScenarioError(string.Empty, e.Message)];
        }
        catch (KeyNotFoundException e)
        {
            errors = [new ScenarioError("preset", e.Message)];
        }

        scenario = null;
        return false;
    }

    /// <summary>The errors of <see cref="TryResolve"/> in one line, each naming its field, for a log or an exception.</summary>
    public static string Describe(IReadOnlyList<ScenarioError> errors) => string.Join("; ", errors);
}
