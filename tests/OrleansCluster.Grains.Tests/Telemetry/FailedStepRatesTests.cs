using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Telemetry;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Tests.Telemetry;

/// <summary>
/// The rate gauges read the job's last step: 0 once it has failed (a step rolled back to the checkpoint trains
/// nothing), whatever the last completed step's figures were, and that step's figures again once one completes.
/// The real silo's page shows the same under a partition (<c>OrleansCluster.Silo.Tests</c>' FailedStepRatesTests).
/// </summary>
public sealed class FailedStepRatesTests
{
    private static readonly string[] Rates = ["gpusim_tokens_per_second", "gpusim_useful_flops_per_second", "gpusim_cluster_mfu_ratio"];

    private static readonly StepResult Completed = new(2, 1.5, 1, 0.1, 0.2, 0.25, 0.4, 4, 0, [], [], [], [], false)
    {
        TokensPerSecond = 5e5,
        UsefulFlopsPerSecond = 3e15,
    };

    [Fact]
    public void RatesReadZeroAfterAFailedStepAndTheCompletedStepsFiguresAfterTheNext()
    {
        var metrics = new SimulationMetrics();
        metrics.ReportStep(Snapshot(1, Completed), ok: true, 2, 0);
        Assert.Equal([5e5, 3e15, 0.4], Values(metrics));

        // The failed step leaves the last completed step's figures in the snapshot (the job keeps them for reading).
        metrics.ReportStep(Snapshot(0, Completed), ok: false, 10, 1);
        Assert.Equal([0, 0, 0], Values(metrics));
        Assert.Equal(0.25, Value(metrics, "gpusim_straggler_tax_ratio"));

        metrics.ReportStep(Snapshot(1, Completed), ok: true, 2, 0);
        Assert.Equal([5e5, 3e15, 0.4], Values(metrics));
    }

    [Fact]
    public void AJobWhoseFirstStepFailsReadsZeroRatherThanNoRate()
    {
        var metrics = new SimulationMetrics();
        metrics.ReportStep(Snapshot(0, null), ok: false, 10, 0);
        Assert.Equal([0, 0, 0], Values(metrics));
    }

    private static SimulationMetrics.StepSnapshot Snapshot(long number, StepResult? result) =>
        new("rates", number, result, ["a"], [[new NodeCounts("H100", 4, 0, 0)]], []);

    private static double?[] Values(SimulationMetrics metrics) => [.. Rates.Select(r => Value(metrics, r))];

    private static double? Value(SimulationMetrics metrics, string name) =>
        metrics.Families().Single(f => f.Name == name).Samples is [var sample] ? sample.Value : null;
}
