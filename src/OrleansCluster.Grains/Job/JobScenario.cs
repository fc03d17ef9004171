using OrleansCluster.Model.Failures;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Job;

/// <summary>
/// The scenario a job runs, laid out in blocks, with what each step asks of it (built once, not at every step) and its
/// background failure arrivals when it has failures.
/// </summary>
internal sealed record JobScenario(Scenario Scenario, ClusterLayout Layout, Workload Workload, FailureArrivals? Arrivals)
{
    /// <summary><paramref name="scenario"/> laid out in blocks of <paramref name="blockSize"/> nodes.</summary>
    public static JobScenario Of(Scenario scenario, int blockSize)
    {
        var layout = new ClusterLayout(scenario, blockSize);
        return new JobScenario(scenario, layout, new Workload(scenario), scenario.Failures is { } failures ? new FailureArrivals(layout, failures) : null);
    }
}
