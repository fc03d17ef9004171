using Microsoft.Extensions.Time.Testing;
using OrleansCluster.Grains.Job;
using OrleansCluster.Model.Failures;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Tests.Job;

/// <summary>
/// The background failures' hand-over without a silo: what goes to the registry before a step (the failures due, as
/// faults under the run's first epoch), and when nothing goes (the registry off the layout, a second after a failed call).
/// </summary>
public sealed class BackgroundHandOverTests
{
    private static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new();
    private readonly JobRecord _record = new() { Epoch = 9, RunEpoch = 4, SimulatedSeconds = 3600 };
    private readonly FailureArrivals _arrivals = Arrivals();

    // 64 GPUs failing at 10 per GPU-hour: about 640 failures in a simulated hour.
    private static FailureArrivals Arrivals()
    {
        var scenario = ScenarioLoader.Parse("""
            {
              "name": "failing", "seed": 3,
              "job": { "flopsPerGpuPerStep": 4e14, "gradientBytes": 1e9 },
              "sites": [ { "name": "dc", "fabric": { "bandwidthGbps": 400 }, "nodes": [ { "generation": "H100", "count": 8 } ] } ],
              "failures": { "causes": [ { "name": "hot", "ratePerGpuHour": 10, "kind": "node.crash", "repair": { "medianSeconds": 60 } } ] }
            }
            """);
        return new FailureArrivals(new ClusterLayout(scenario, ClusterFixture.BlockSize), scenario.Failures!);
    }

    [Fact]
    public void TheFailuresDueGoUnderTheRunsFirstEpochAndOnlyOnceTheRegistryTookThem()
    {
        var run = new JobRun(_record, historyCapacity: 10, _time);
        var handOver = new BackgroundHandOver(_time, LogInterval);

        var first = handOver.Due(run, _arrivals, onLayout: true);

        Assert.NotNull(first);
        Assert.Equal(_arrivals.Between(0, 3600).Select(a => a.StartSeconds), first.Select(f => f.StartSeconds));
        Assert.NotEmpty(first);
        Assert.All(first, f => Assert.StartsWith("bg4-", f.Id, StringComparison.Ordinal)); // the run's epoch, not the layout's 9
        handOver.Taken();
        run.BackgroundHandedOver(first.Length, nextRepairSeconds: null, dropped: 0);
        Assert.Null(handOver.Due(run, _arrivals, onLayout: true)); // the window moved on: none new until the clock does

        _record.SimulatedSeconds = 7200;
        var next = handOver.Due(run, _arrivals, onLayout: true);
        Assert.NotNull(next);
        Assert.All(next, f => Assert.InRange(f.StartSeconds, 3600, 7200));
        Assert.Empty(next.Select(f => f.Id).Intersect(first.Select(f => f.Id)));
    }

    [Fact]
    public void ARecordWrittenBeforeTheRunsEpochWasKeptHasTheLayoutsEpochStandIn()
    {
        _record.RunEpoch = 0;
        var faults = new BackgroundHandOver(_time, LogInterval).Due(new JobRun(_record, historyCapacity: 10, _time), _arrivals, onLayout: true);

        Assert.NotNull(faults);
        Assert.All(faults, f => Assert.StartsWith("bg9-", f.Id, StringComparison.Ordinal));
    }

    [Fact]
    public void NothingGoesWhileTheRegistryIsOffTheLayoutOrTheScenarioDrawsNoFailures()
    {
        var run = new JobRun(_record, historyCapacity: 10, _time);
        var handOver = new BackgroundHandOver(_time, LogInterval);

        Assert.Null(handOver.Due(run, _arrivals, onLayout: false));
        Assert.Null(handOver.Due(run, arrivals: null, onLayout: true));
        Assert.NotNull(handOver.Due(run, _arrivals, onLayout: true)); // the same failures, once it is on the layout
    }

    [Fact]
    public void AFailedCallIsTriedAgainASecondLaterWithTheSameFailuresAndLoggedOncePerInterval()
    {
        var run = new JobRun(_record, historyCapacity: 10, _time);
        var handOver = new BackgroundHandOver(_time, LogInterval);
        var first = handOver.Due(run, _arrivals, onLayout: true)!;

        Assert.True(handOver.Failed()); // the first failure is logged
        Assert.Null(handOver.Due(run, _arrivals, onLayout: true));
        _time.Advance(BackgroundHandOver.RetryWait - TimeSpan.FromMilliseconds(1));
        Assert.Null(handOver.Due(run, _arrivals, onLayout: true));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var again = handOver.Due(run, _arrivals, onLayout: true);
        Assert.Equal(first.Select(f => f.Id), again!.Select(f => f.Id)); // the window did not move: their ids make it a no-op if the first landed

        Assert.False(handOver.Failed()); // within the log interval: held
        Assert.Null(handOver.Due(run, _arrivals, onLayout: true));
        _time.Advance(LogInterval);
        Assert.True(handOver.Failed());
        _time.Advance(BackgroundHandOver.RetryWait);
        handOver.Taken();
        Assert.NotNull(handOver.Due(run, _arrivals, onLayout: true)); // taken: nothing waits on the last failure
    }
}
