using System.ComponentModel.DataAnnotations;
using System.Globalization;
using OrleansCluster.Model.Scenarios;

namespace OrleansCluster.Grains.Faults;

/// <summary>
/// Bounds on fault injection (bound from the <c>Admin</c> configuration section), checked by the registry, the
/// one writer of the faults, so that they hold whichever way a fault arrives (HTTP or an Orleans client).
/// </summary>
public sealed class FaultLimits
{
    /// <summary>The setting <see cref="MaxFaultsPerCall"/> is read from, named in refusals.</summary>
    public const string MaxFaultsPerCallSetting = "Admin:MaxFaultsPerCall";

    /// <summary>The setting <see cref="MaxLiveFaults"/> is read from, named in refusals.</summary>
    public const string MaxLiveFaultsSetting = "Admin:MaxLiveFaults";

    /// <summary>Most faults one injection (a campaign) may carry.</summary>
    [Range(1, 100_000)]
    public int MaxFaultsPerCall { get; set; } = 1_000;

    /// <summary>
    /// Most faults pending or in force at once. Each mutation's cost grows with the faults in force (105,966 of
    /// them made one injection take a second), so the registry refuses to go past this many.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxLiveFaults { get; set; } = 10_000;

    /// <summary>Why one call may not carry <paramref name="count"/> faults, or null when it may.</summary>
    public string? PerCallError(int count) =>
        count > MaxFaultsPerCall ? $"{count} faults in one call; at most {MaxFaultsPerCall} ({MaxFaultsPerCallSetting})" : null;

    /// <summary>Why <paramref name="adding"/> faults may not join the <paramref name="live"/> ones, or null when they may.</summary>
    public string? LiveError(int live, int adding) =>
        live + adding > MaxLiveFaults
            ? $"{live} faults are pending or in force and {adding} more would pass the {MaxLiveFaults} allowed ({MaxLiveFaultsSetting}); clear some first"
            : null;

    /// <summary>The simulated span over which a scenario's background failures must fit <see cref="MaxLiveFaults"/>: a day.</summary>
    public const double BackgroundHorizonSeconds = 86_400;

    /// <summary>
    /// The error naming <c>failures</c> when <paramref name="scenario"/>'s background failures would keep more faults
    /// in force than <see cref="MaxLiveFaults"/> within a simulated day (found by probing: 298,000 arrivals in one
    /// step wedged the registry), or null. Past that day, arrivals that find the limit reached are dropped and counted.
    /// </summary>
    public ScenarioError? BackgroundError(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var inForce = scenario.Failures?.InForceWithin(scenario, BackgroundHorizonSeconds) ?? 0;
        return !(inForce > MaxLiveFaults) ? null : new ScenarioError(
            "failures",
            string.Create(CultureInfo.InvariantCulture, $"these rates and repair times keep about {inForce:G4} failures in force within a simulated day, more than the {MaxLiveFaults:N0} faults allowed ({MaxLiveFaultsSetting}): lower a rate, the scale or a repair time, or raise the setting"));
    }
}
