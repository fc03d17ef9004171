using OrleansCluster.Grains.Faults;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains;

/// <summary>
/// Whether this silo takes a valid scenario: the one set of checks every entry makes (<c>PUT /api/scenario</c>, a
/// preset or a whole scenario; the <c>Simulation:Scenario</c> preset or file at start; the job grain for Orleans
/// clients), so that each refuses the same scenarios with the same error. Each entry had its own set, and a startup
/// file whose background failures passed the live-fault limit got past the start's checks and failed in the grain
/// instead (an unhandled exception and exit code 134, not the start's one-line refusal).
/// </summary>
public static class ScenarioAdmission
{
    /// <summary>
    /// The first reason <paramref name="scenario"/> may not be loaded, naming its field, or null when it may: more
    /// nodes than <see cref="SimulationTuning.MaxNodes"/> (first, counted without laying anything out); a lease of a
    /// site it does not have (<see cref="ScenarioLoader.UnknownLeaseSite"/>: a what-if variant may drop a leased site,
    /// but a scenario that runs has none to drop, and such a lease is a typo every variant would leave out); no step that
    /// could ever complete (<see cref="NominalStep.CompletionError"/>); background failures that would keep more
    /// faults in force than <see cref="FaultLimits.MaxLiveFaults"/>.
    /// </summary>
    public static ScenarioError? Error(Scenario scenario, SimulationTuning tuning, FaultLimits limits)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(tuning);
        ArgumentNullException.ThrowIfNull(limits);
        return tuning.SizeError(scenario) ?? ScenarioLoader.UnknownLeaseSite(scenario) ?? NominalStep.CompletionError(scenario) ?? limits.BackgroundError(scenario);
    }
}
