using OrleansCluster.Model.Failures;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Job;

/// <summary>The scenario a job runs, laid out in blocks, with its background failure arrivals when it has failures.</summary>
internal sealed record JobScenario(Scenario Scenario, ClusterLayout Layout, FailureArrivals? Arrivals)
{
    /// <summary><paramref name="scenario"/> laid out in blocks of <paramref name="blockSize"/> nodes.</summary>
    public static JobScenario Of(Scenario scenario, int blockSize)
    {
        var layout = new ClusterLayout(scenario, blockSize);
        return new JobScenario(scenario, layout, scenario.Failures is { } failures ? new FailureArrivals(layout, failures) : null);
    }
}
