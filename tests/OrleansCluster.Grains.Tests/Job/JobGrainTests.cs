using System.Text.Json.Nodes;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Links;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Tests.Job;

[Collection(JobTests.Name)]
public sealed class JobGrainTests(ClusterFixture fixture)
{
    private readonly JobDriver _driver = new(fixture.Client);

    [Fact]
    public async Task LiveStepTimeEqualsTheClosedFormOnANoiseFreeScenario()
    {
        await _driver.StartAtMaxPaceAsync(Scenarios.TwoSites());
        var status = await _driver.WaitForStepAsync(3);

        // Site a: 40 H100 on 50 GB/s with 2 us hops; site b: 24 B200 on 100 GB/s with 1 us hops; one 20 km link.
        var intraA = (39.0 / 40 * 2e9 / 50e9) + (39 * 2e-6);
        var intraB = (23.0 / 24 * 2e9 / 100e9) + (23 * 1e-6);
        var latency = (20 * 5e-6 * 1.5) + 100e-6;
        var inter = (2.0 * 1 / 2 * 2e9 / 50e9) + (2 * latency);
        var expected = Scenarios.H100ComputeSeconds + Math.Max(intraA, intraB) + inter + Math.Max(intraA, intraB);
        var last = status.LastStep!;
        Assert.Equal(expected, last.DurationSeconds, 9);
        Assert.Equal(Scenarios.H100ComputeSeconds, last.MaxComputeSeconds, 12);
        Assert.Equal(intraA, last.AllreduceIntraSiteSeconds, 12);
        Assert.Equal(inter, last.AllreduceInterSiteSeconds, 12);
        // 64 nodes of 8 GPUs: MFU = W * 512 / ((320 * P_H100 + 192 * P_B200) * T_step).
        Assert.Equal(4e14 * 512 / (((320 * 989e12) + (192 * 2250e12)) * expected), last.ClusterMfu, 9);
        Assert.All((await _driver.HistoryAsync()).Where(r => r.Number <= 3), r => Assert.Equal(expected, r.DurationSeconds, 9));
        await _driver.Job.StopAsync();
    }

    [Fact]
    public async Task LiveSeriesEqualsThePlainLoopAndRepeatsWithTheSameSeed()
    {
        var json = Scenarios.TwoSites(computeCv: 0.03, jitterMicroseconds: 50);
        await _driver.StartAtMaxPaceAsync(json);
        await _driver.WaitForStepAsync(40);
        await _driver.Job.PauseAsync();
        var first = (await _driver.HistoryAsync()).Take(40).ToArray();

        await _driver.StartAtMaxPaceAsync(json);
        await _driver.WaitForStepAsync(40);
        await _driver.Job.StopAsync();
        var second = (await _driver.HistoryAsync()).Take(40).ToArray();

        var plain = new PlainLoopSimulator(ScenarioLoader.Parse(json));
        var reference = Enumerable.Range(1, 40).Select(k => plain.Step(k).StepSeconds).ToArray();
        Assert.Equal(Enumerable.Range(1, 40).Select(k => (long)k), first.Select(r => r.Number));
        Assert.Equal(first.Select(r => r.DurationSeconds), second.Select(r => r.DurationSeconds));
        Assert.Equal(reference, first.Select(r => r.DurationSeconds));
        Assert.True(reference.Distinct().Count() > 30, "noise makes every step different");
    }

    [Fact]
    public async Task LiveSeriesEqualsThePlainLoopInModelModeBreakdownAndThroughputIncluded()
    {
        var json = Scenarios.TwoSitesModel();
        await _driver.StartAtMaxPaceAsync(json);
        await _driver.WaitForStepAsync(40);
        await _driver.Job.PauseAsync();
        var history = (await _driver.HistoryAsync()).ToArray();
        Assert.All(history, r => Assert.True(r.Ok, r.FailureReason));
        var status = await _driver.Job.GetStatusAsync();
        var stragglers = await _driver.Job.GetStragglersAsync(5);
        await _driver.Job.StopAsync();

        var plain = new PlainLoopSimulator(ScenarioLoader.Parse(json));
        Assert.Equal(history.Select(r => plain.Step(r.Number).StepSeconds), history.Select(r => r.DurationSeconds));
        Assert.True(history.Select(r => r.DurationSeconds).Distinct().Count() > 30, "noise makes every step different");

        var last = status.LastStep!;
        var reference = plain.Step(last.Number);
        var b = reference.Breakdown;
        Assert.Equal(new StepBreakdownFigures(b.ComputeSeconds, b.StragglerWaitSeconds, b.IntraSiteSeconds, b.InterSiteBandwidthSeconds, b.InterSiteLatencySeconds), last.Breakdown);
        Assert.Equal(last.DurationSeconds, b.TotalSeconds, 12);
        Assert.Equal(2097152 / last.DurationSeconds, last.TokensPerSecond, 6);
        Assert.Equal(6 * 3e9 * 2097152 / last.DurationSeconds, last.UsefulFlopsPerSecond, 0);
        Assert.Equal(last.Breakdown, stragglers!.Breakdown);
    }

    [Fact]
    public async Task ASiteOfMoreBlocksThanAreConfiguredAtOnceRunsEveryNodeAsThePlainLoopDoes()
    {
        // 400 nodes in blocks of 16: 25 blocks in 13 shards of 1 or 2, merged by the silo's coordinator.
        var json = Scenarios.Uniform(nodes: 400, computeCv: 0.05, checkpointEvery: 1000);
        await _driver.StartAtMaxPaceAsync(json);
        var status = await _driver.WaitForStepAsync(5);
        await _driver.Job.StopAsync();

        var plain = new PlainLoopSimulator(ScenarioLoader.Parse(json));
        Assert.Equal(400, Assert.Single(status.Sites).Generations.Single().Healthy);
        Assert.Equal(
            Enumerable.Range(1, 5).Select(k => plain.Step(k).StepSeconds),
            (await _driver.HistoryAsync()).Take(5).Select(r => r.DurationSeconds));
    }

    [Fact]
    public async Task SlowedNodeBecomesTheTopStragglerAtTheNextStep()
    {
        await _driver.StartAtMaxPaceAsync(Scenarios.Uniform(nodes: 100, checkpointEvery: 1000));
        await _driver.WaitForStepAsync(5);
        await _driver.Job.PauseAsync();
        var paused = await _driver.Job.GetStatusAsync();

        await _driver.SetNodeEffectAsync("dc-00042", paused.Job.Epoch, new NodeEffect(2.0, Crashed: false));
        await _driver.Job.ResumeAsync();
        var after = await _driver.WaitForStepAsync(paused.Job.Step + 1);
        await _driver.Job.PauseAsync();

        var next = (await _driver.HistoryAsync()).Single(r => r.Number == paused.Job.Step + 1);
        var report = await _driver.Job.GetStragglersAsync(5);
        Assert.NotNull(report);
        Assert.Equal("dc-00042", report.Nodes[0].Node);
        Assert.InRange(report.Nodes[0].Slowdown, 1.9, 2.1);
        Assert.Equal(report.Nodes[0].ComputeSeconds, (await _driver.Job.GetStatusAsync()).LastStep!.MaxComputeSeconds);
        // The step right after the fault already runs at the slowed node's pace: about 2 t plus the all-reduce.
        Assert.InRange(next.DurationSeconds, 1.9 * Scenarios.H100ComputeSeconds, 2.2 * Scenarios.H100ComputeSeconds);
        var degraded = Assert.Single(after.Sites).Generations.Single();
        Assert.Equal(1, degraded.Degraded);
        await _driver.Job.StopAsync();
    }

    [Fact]
    public async Task NodeThatStopsAnsweringFailsTheStepAndTheJobGoesOnWithoutIt()
    {
        const int every = 5;
        await _driver.StartAtMaxPaceAsync(Scenarios.Uniform(nodes: 64, checkpointEvery: every));
        await _driver.WaitForStepAsync(7);
        await _driver.Job.PauseAsync();
        var paused = await _driver.Job.GetStatusAsync();

        await _driver.SetNodeEffectAsync("dc-00003", paused.Job.Epoch, new NodeEffect(1, Crashed: true));
        await _driver.Job.ResumeAsync();
        var status = await _driver.WaitForAsync(s => s.Job.StepsFailed >= 1 && s.Job.Step >= paused.Job.Step + 10);

        var history = await _driver.HistoryAsync();
        var failed = Assert.Single(history, r => !r.Ok);
        Assert.Equal(paused.Job.Step + 1, failed.Number);
        Assert.Contains("missed the barrier", failed.FailureReason, StringComparison.Ordinal);
        Assert.Equal(10, failed.DurationSeconds); // the barrier timeout
        var checkpoint = (failed.Number - 1) / every * every;
        Assert.Equal(failed.Number - 1 - checkpoint, status.Job.LostSteps);
        var afterFailure = history.SkipWhile(r => r.Ok).Skip(1).ToArray();
        Assert.Equal(checkpoint + 1, afterFailure[0].Number); // rolled back to the checkpoint
        Assert.All(afterFailure, r => Assert.Equal(63, r.HealthyNodes));
        Assert.Equal(1, status.Job.EvictedNodes);
        Assert.Equal(1, status.Sites.Single().Generations.Single().Down);

        // Healthy again, the node rejoins at the next checkpoint, not before. (Paused while healing, so that the
        // step it is healed at is known exactly.)
        await _driver.Job.PauseAsync();
        var healedAt = (await _driver.Job.GetStatusAsync()).Job.Step;
        await _driver.SetNodeEffectAsync("dc-00003", paused.Job.Epoch, NodeEffect.None);
        await _driver.Job.ResumeAsync();
        await _driver.WaitForAsync(s => s.Job.EvictedNodes == 0 && s.Job.Step > healedAt + every);
        await _driver.Job.StopAsync();
        var rejoined = (await _driver.HistoryAsync()).First(r => r.Ok && r.Number > healedAt && r.HealthyNodes == 64);
        Assert.Equal(0, (rejoined.Number - 1) % every);
        Assert.Equal(1, (await _driver.Job.GetStatusAsync()).Job.StepsFailed);
    }

    [Fact]
    public async Task ACollectiveThatWouldOutlastTheBarrierTimeoutFailsTheStepAndCostsTheTimeout()
    {
        // Realtime at 1000x: a healthy step is about 1 ms of wall time, a failed one (30 s timeout) 30 ms.
        await _driver.Job.LoadAsync(ScenarioSource.FromJson(Scenarios.TwoSites(checkpointEvery: 5)));
        await _driver.Job.SetPaceAsync(new PaceSettings(PaceMode.Realtime, 1000));
        await _driver.Job.StartAsync();
        var before = await _driver.WaitForStepAsync(3);
        var link = fixture.Client.GetGrain<ILinkGrain>("a-b");

        // A link at 1e-300 of its bandwidth: the all-reduce would take longer than any timer can wait.
        await link.SetEffectAsync(before.Job.Epoch, LinkEffect.None with { BandwidthRatio = 1e-300 });
        await _driver.WaitForAsync(s => s.Job.StepsFailed >= 2);
        await link.SetEffectAsync(before.Job.Epoch, LinkEffect.None);
        var healed = await _driver.WaitForAsync(s => s.Job.StepsOk >= before.Job.StepsOk + 10 && s.Job.Step >= 8);
        await _driver.Job.StopAsync();

        var failed = (await _driver.HistoryAsync()).Where(r => !r.Ok).ToArray();
        Assert.True(failed.Length >= 2);
        Assert.All(failed, r =>
        {
            Assert.StartsWith(CollectiveWatchdog.Reason, r.FailureReason, StringComparison.Ordinal);
            Assert.Equal(30, r.DurationSeconds); // the barrier timeout, not years
        });
        Assert.Equal(JobState.Running, healed.Job.State);
        Assert.InRange(healed.LastStep!.DurationSeconds, 1, 2); // back to a healthy step once the effect is gone
    }

    [Fact]
    public async Task AVerySlowPaceWaitsWithoutFailingAndAFasterOneGoesOn()
    {
        // At 1e-9 of real time the second step is due in about 30 years: no timer takes that, and no step may fail.
        await _driver.Job.LoadAsync(ScenarioSource.FromJson(Scenarios.TwoSites()));
        await _driver.Job.SetPaceAsync(new PaceSettings(PaceMode.Realtime, 1e-9));
        await _driver.Job.StartAsync();
        await _driver.WaitForStepAsync(1);
        await Task.Delay(300, TestContext.Current.CancellationToken);
        var waiting = await _driver.Job.GetStatusAsync();

        await _driver.Job.SetPaceAsync(PaceSettings.Max);
        var after = await _driver.WaitForStepAsync(waiting.Job.Step + 5);
        await _driver.Job.StopAsync();

        Assert.Equal(1, waiting.Job.Step);
        Assert.Equal(JobState.Running, waiting.Job.State);
        Assert.Equal(0, after.Job.StepsFailed);
    }

    [Fact]
    public async Task PauseHoldsTheStepResumeGoesOnAndStartAfterStopBeginsAgain()
    {
        await _driver.StartAtMaxPaceAsync(Scenarios.Uniform(nodes: 32));
        await _driver.WaitForStepAsync(3);
        await _driver.Job.PauseAsync();
        var paused = await _driver.Job.GetStatusAsync();
        await Task.Delay(200, TestContext.Current.CancellationToken);
        var stillPaused = await _driver.Job.GetStatusAsync();

        Assert.Equal(JobState.Paused, paused.Job.State);
        Assert.Equal(paused.Job.Step, stillPaused.Job.Step);

        await _driver.Job.ResumeAsync();
        await _driver.WaitForStepAsync(paused.Job.Step + 3);
        await _driver.Job.StopAsync();
        var stopped = await _driver.Job.GetStatusAsync();
        Assert.Equal(JobState.Stopped, stopped.Job.State);

        await _driver.Job.StartAsync();
        var restarted = await _driver.Job.GetStatusAsync();
        Assert.Equal(JobState.Running, restarted.Job.State);
        Assert.True(restarted.Job.Epoch > stopped.Job.Epoch);
        Assert.True(restarted.Job.Step < stopped.Job.Step, "a start after a stop runs the scenario again from step 1");
        await _driver.Job.StopAsync();
    }

    [Fact]
    public async Task InvalidScenarioIsRefusedAndTheLoadedOneKeepsRunning()
    {
        await _driver.StartAtMaxPaceAsync(Scenarios.Uniform(nodes: 16));
        await _driver.WaitForStepAsync(2);

        var e = await Assert.ThrowsAsync<ArgumentException>(() => _driver.Job.LoadAsync(ScenarioSource.FromPreset("no-such-preset")));

        Assert.Contains("no-such-preset", e.Message, StringComparison.Ordinal);
        var status = await _driver.WaitForStepAsync(4);
        Assert.Equal("uniform-test", status.Scenario);
        Assert.Equal(JobState.Running, status.Job.State);
        await _driver.Job.StopAsync();
    }

    [Fact]
    public async Task ScenarioOverMaxNodesIsRefusedByTheJobItselfAndTheLoadedOneKeepsRunning()
    {
        await _driver.StartAtMaxPaceAsync(Scenarios.Uniform(nodes: 16));
        await _driver.WaitForStepAsync(2);
        var epoch = (await _driver.Job.GetStatusAsync()).Job.Epoch;

        // A client that calls the grain directly meets the same bound as the HTTP API, before anything is laid out.
        var e = await Assert.ThrowsAsync<ArgumentException>(() => _driver.Job.LoadAsync(ScenarioSource.FromJson(Scenarios.Uniform(nodes: ClusterFixture.MaxNodes + 1))));

        Assert.Contains("Simulation:MaxNodes", e.Message, StringComparison.Ordinal);
        var status = await _driver.WaitForStepAsync(4);
        Assert.Equal("uniform-test", status.Scenario);
        Assert.Equal(16, status.Sites.Sum(s => s.Nodes));
        Assert.Equal(epoch, status.Job.Epoch);
        await _driver.Job.StopAsync();
    }

    [Fact]
    public async Task ScenarioWhoseFailuresWouldOutgrowTheLiveFaultLimitIsRefusedAndTheLoadedOneKeepsRunning()
    {
        // Found by probing: rates within their ranges that keep hundreds of thousands of faults in force wedged the
        // registry. 400 GPUs x 100 an hour, each repaired in a day: 960,000 in force within a day, past 10,000.
        await _driver.StartAtMaxPaceAsync(Scenarios.Uniform(nodes: 16));
        await _driver.WaitForStepAsync(2);
        var epoch = (await _driver.Job.GetStatusAsync()).Job.Epoch;
        var scenario = JsonNode.Parse(Scenarios.Uniform(nodes: 50))!.AsObject();
        scenario["failures"] = JsonNode.Parse("""{ "causes": [ { "name": "x", "ratePerGpuHour": 100, "kind": "node.slowdown", "params": { "factor": 1.5 }, "repair": { "medianSeconds": 86400 } } ] }""");

        var e = await Assert.ThrowsAsync<ArgumentException>(() => _driver.Job.LoadAsync(ScenarioSource.FromJson(scenario.ToJsonString())));

        Assert.StartsWith("failures: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("Admin:MaxLiveFaults", e.Message, StringComparison.Ordinal);
        var status = await _driver.WaitForStepAsync(4);
        Assert.Equal((16, epoch), (status.Sites.Sum(s => s.Nodes), status.Job.Epoch));
        await _driver.Job.StopAsync();
    }

    [Fact]
    public async Task LoadsSentTogetherEachAnswerWithTheirOwnScenarioRunning()
    {
        // Found by probing: load, start and status were three calls, so of loads sent together some answered with
        // another's scenario, or stopped. Each load now answers from the one turn of the job that made it.
        var sources = Enumerable.Range(0, 6)
            .Select(i => i % 2 == 0 ? ("uniform-test", Scenarios.Uniform(nodes: 16)) : ("two-sites", Scenarios.TwoSites()))
            .ToArray();

        var answers = await Task.WhenAll(sources.Select(s => _driver.Job.LoadAndStartAsync(ScenarioSource.FromJson(s.Item2))));

        Assert.Equal(sources.Select(s => (s.Item1, JobState.Running)), answers.Select(a => (a.Scenario, a.Job.State)));
        Assert.Equal(answers.Length, answers.Select(a => a.Job.Epoch).Distinct().Count());
        await _driver.Job.StopAsync();
    }
}

