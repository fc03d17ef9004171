using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using Microsoft.Extensions.DependencyInjection;
using OrleansCluster.Grains.Barrier;
using OrleansCluster.Grains.Telemetry;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Tests.Barrier;

/// <summary>
/// A block draws the batches its next step will need once it has answered a step, in time its silo would spend
/// waiting (<c>BlockGrain.DrawAhead</c>): whatever the order of its steps and of the effects it is told, each step
/// still reads the model's own draw for every node, as a block that drew nothing ahead does.
/// </summary>
[Collection(JobTests.Name)]
public sealed class DrawAheadTests(ClusterFixture fixture)
{
    private const long Epoch = 1;
    private const int Nodes = 64; // eight groups of eight, one falling due at each of the fixture's 8 batch steps
    private const double Nominal = 0.5;
    private static readonly ComputeDraws Draws = new(0.05, 0.02, 3.0);

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task EveryStepReadsTheModelsDrawAfterStepsInOrderAStepBackToACheckpointAndAnEffectToldBetweenSteps()
    {
        var specs = Enumerable.Range(0, Nodes)
            .Select(i => new NodeSpec(Epoch, $"ahead-{i:D2}", "ahead", "ahead/0", "H100", 8, Nominal, Seed: 11, ComputeCv: 0.05, OutlierProbability: 0.02, OutlierFactor: 3.0))
            .ToArray();
        var block = fixture.Client.GetGrain<IBlockGrain>("ahead/0");
        Assert.True(await block.ConfigureAsync(new BlockConfig(Epoch, "ahead/0", specs, BarrierTimeoutSeconds: 100, TopK: 3, "draw-ahead", "ahead")));
        var slowdowns = new double[Nodes];
        Array.Fill(slowdowns, 1.0);
        var answeredAhead = BlockGrain.AnsweredAhead;

        // Steps in order, some right after the last answer (the draw ahead taken back or still running) and some
        // once it has run; then back to step 6, as a job going back to its checkpoint at step 5 after a failed step
        // 13, over rows that the draws ahead of steps 7 to 13 overwrote.
        long[] steps = [.. Enumerable.Range(1, 12), .. Enumerable.Range(6, 20)];
        foreach (var step in steps)
        {
            await AssertStepAsync(block, specs, slowdowns, step, drawnAheadFirst: step % 2 == 0);
        }

        // An effect told after the next step's batches were drawn ahead: that step already runs the node slowed (its
        // grain draws it under the effect), and once at rest again, it is drawn by the block as before.
        await WaitForDrawAheadAsync(_atLastAnswer);
        var slowed = new NodeEffect(2.0, Crashed: false);
        await block.SetNodeEffectsAsync(Epoch, [new NodeEffectChange(specs[5].Node, slowed)]);
        slowdowns[5] = slowed.Slowdown;
        for (var step = 26L; step <= 30; step++)
        {
            await AssertStepAsync(block, specs, slowdowns, step, drawnAheadFirst: true);
        }

        await block.SetNodeEffectsAsync(Epoch, [new NodeEffectChange(specs[5].Node, NodeEffect.None)]);
        slowdowns[5] = 1.0;
        for (var step = 31L; step <= 40; step++)
        {
            // Steps 33 and 36 are checkpoints' rejoin checks with no node evicted: answered from the reduction made
            // ahead when one was (a rejoin check reads evicted nodes only), with the same figures.
            await AssertStepAsync(block, specs, slowdowns, step, drawnAheadFirst: step % 3 == 0, rejoinCheck: step is 33 or 36);
        }

        // A node that crashes misses the barrier and is evicted: the steps after leave it out (the draws ahead skip
        // it), until a step that looks at evicted nodes again (after a checkpoint) finds it back and draws it.
        await block.SetNodeEffectsAsync(Epoch, [new NodeEffectChange(specs[7].Node, new NodeEffect(1, Crashed: true))]);
        var crashed = await block.RunStepAsync(new StepCommand(Epoch, 41, RejoinCheck: false, PreviousMaxComputeSeconds: 0));
        Assert.Equal([specs[7].Node], crashed.Missed);
        await block.SetNodeEffectsAsync(Epoch, [new NodeEffectChange(specs[7].Node, NodeEffect.None)]);
        var evicted = new HashSet<int> { 7 };
        for (var step = 42L; step <= 50; step++)
        {
            await AssertStepAsync(block, specs, slowdowns, step, drawnAheadFirst: true, evicted: evicted);
        }

        await AssertStepAsync(block, specs, slowdowns, 51, drawnAheadFirst: true, rejoinCheck: true, rejoined: [specs[7].Node]);
        await AssertStepAsync(block, specs, slowdowns, 52, drawnAheadFirst: true);

        // Steps were answered from reductions made ahead (Simulation:StepAhead), not only drawn ahead.
        Assert.True(BlockGrain.AnsweredAhead > answeredAhead, "no step was answered from a reduction made ahead");
    }

    [Fact]
    public async Task EachStepsBarrierWaitsAreRecordedOnceFromItsSlowestNodeWhetherTheDrawAheadOrTheNextCallRecordsThem()
    {
        // A step's call tells the block the last step's slowest time; each node that took part waited the rest. The
        // draw ahead records those waits, or the next call does when the draw ahead did not get to them (taken back).
        var specs = Enumerable.Range(0, Nodes)
            .Select(i => new NodeSpec(Epoch, $"wait-{i:D2}", "wait", "wait/0", "H100", 8, Nominal, Seed: 31, ComputeCv: 0.05, OutlierProbability: 0.02, OutlierFactor: 3.0))
            .ToArray();
        var block = fixture.Client.GetGrain<IBlockGrain>("wait/0");
        const string scenario = "draw-ahead-waits";
        Assert.True(await block.ConfigureAsync(new BlockConfig(Epoch, "wait/0", specs, BarrierTimeoutSeconds: 100, TopK: 3, scenario, "wait")));
        double[] Drawn(long step) => specs.Select(s => Draws.Seconds(Nominal, 1.0, s.Seed, SeededNoise.StreamKey(s.Node), step)).ToArray();

        const int steps = 30;
        double expectedSum = 0;
        for (var step = 1L; step <= steps; step++)
        {
            if (step % 2 == 0)
            {
                await WaitForDrawAheadAsync(_atLastAnswer);
            }

            var previousMax = step == 1 ? 0 : Drawn(step - 1).Max();
            var before = DrawAheadFinished;
            await block.RunStepAsync(new StepCommand(Epoch, step, RejoinCheck: false, PreviousMaxComputeSeconds: previousMax));
            _atLastAnswer = before;
            expectedSum += step == 1 ? 0 : Drawn(step - 1).Sum(t => previousMax - t);
        }

        // The last call told step 29's slowest time: steps 1 to 29's waits, once each, whoever recorded them.
        var histograms = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<NodeHistograms>();
        NodeHistograms.Series? Waits() => histograms.Snapshot().Wait.Where(w => w.Scenario == scenario).Select(w => w.Series).SingleOrDefault();
        await Eventually.WaitForAsync(() => Waits()?.Count == (steps - 1) * Nodes, "every told step's waits to be recorded");
        Assert.Equal(expectedSum, Waits()!.Sum, 9);
    }

    [Fact]
    public async Task NodesPastTheBarrierTimeoutAreEvictedAtTheStepTheyMissWhetherItWasReducedAheadOrNot()
    {
        // Outliers (2 % of draws, three times the nominal 0.5 s) miss a barrier timeout of 1 s: each step names the
        // nodes at rest that miss it, leaves out those evicted before, and a checkpoint's rejoin check lets back
        // those within the timeout again, as the model's draws say.
        const double timeout = 1.0;
        var specs = Enumerable.Range(0, Nodes)
            .Select(i => new NodeSpec(Epoch, $"miss-{i:D2}", "miss", "miss/0", "H100", 8, Nominal, Seed: 23, ComputeCv: 0.05, OutlierProbability: 0.02, OutlierFactor: 3.0))
            .ToArray();
        var block = fixture.Client.GetGrain<IBlockGrain>("miss/0");
        Assert.True(await block.ConfigureAsync(new BlockConfig(Epoch, "miss/0", specs, BarrierTimeoutSeconds: timeout, TopK: 3, "draw-ahead-miss", "miss")));
        double Drawn(int i, long step) => Draws.Seconds(Nominal, 1.0, specs[i].Seed, SeededNoise.StreamKey(specs[i].Node), step);

        var evicted = new HashSet<int>();
        var missedAtAll = 0;
        for (var step = 1L; step <= 80; step++)
        {
            if (step > 1)
            {
                await WaitForDrawAheadAsync(_atLastAnswer);
            }

            var rejoinCheck = step % 20 == 0;
            var before = DrawAheadFinished;
            var summary = await block.RunStepAsync(new StepCommand(Epoch, step, rejoinCheck, PreviousMaxComputeSeconds: 0));
            _atLastAnswer = before;

            var rejoined = rejoinCheck ? evicted.Where(i => Drawn(i, step) <= timeout).Order().ToArray() : [];
            evicted.ExceptWith(rejoined);
            var missed = Enumerable.Range(0, Nodes).Where(i => !evicted.Contains(i) && !(Drawn(i, step) <= timeout)).ToArray();
            evicted.UnionWith(missed);
            missedAtAll += missed.Length;

            Assert.Equal(missed.Select(i => specs[i].Node), summary.Missed);
            Assert.Equal(rejoined.Select(i => specs[i].Node), summary.Rejoined ?? []);
            var inStep = Enumerable.Range(0, Nodes).Where(i => !evicted.Contains(i)).ToArray();
            Assert.Equal(inStep.Length, summary.Groups.Sum(g => g.Count));
            Assert.Equal(Nodes - inStep.Length, summary.States.Sum(c => c.Down));
        }

        Assert.True(missedAtAll > 0, "no draw missed the timeout: the test checks nothing");
    }

    [Fact]
    public void AStepIsAnsweredFromItsReductionMadeAheadOnlyWhereItReadsTheSameNodes()
    {
        StepCommand Step(long number, bool rejoinCheck) => new(Epoch, number, rejoinCheck, PreviousMaxComputeSeconds: 0);

        Assert.True(BlockGrain.UsesReductionAhead(7, Step(7, rejoinCheck: false), anyEvicted: true));
        // A checkpoint's rejoin check reads the evicted nodes, which the reduction ahead left out: only where none is.
        Assert.True(BlockGrain.UsesReductionAhead(7, Step(7, rejoinCheck: true), anyEvicted: false));
        Assert.False(BlockGrain.UsesReductionAhead(7, Step(7, rejoinCheck: true), anyEvicted: true));
        // Another step than the one reduced (a step back to a checkpoint), or none reduced.
        Assert.False(BlockGrain.UsesReductionAhead(7, Step(6, rejoinCheck: false), anyEvicted: false));
        Assert.False(BlockGrain.UsesReductionAhead(-1, Step(1, rejoinCheck: false), anyEvicted: false));
    }

    // Draws ahead finished in this process (every block's: the two-silo tests may run beside these) when this
    // test's block was last asked a step.
    private long _atLastAnswer;

    private static long DrawAheadFinished => BlockGrain.DrawAhead.Finished;

    // Waits for a draw ahead to finish after `since`: the block's own, offered with its last answer, unless another
    // block's came first (then this step may find its draw ahead still running or take it back: it reads the same).
    private static async Task WaitForDrawAheadAsync(long since)
    {
        using var timeout = new CancellationTokenSource(Deadline);
        while (DrawAheadFinished <= since)
        {
            await Task.Delay(5, timeout.Token);
        }
    }

    private async Task AssertStepAsync(
        IBlockGrain block, NodeSpec[] specs, double[] slowdowns, long step, bool drawnAheadFirst, bool rejoinCheck = false, HashSet<int>? evicted = null, string[]? rejoined = null)
    {
        if (drawnAheadFirst && step > 1)
        {
            await WaitForDrawAheadAsync(_atLastAnswer);
        }

        var before = DrawAheadFinished; // read before the call, so that the draw ahead it offers counts past it
        var summary = await block.RunStepAsync(new StepCommand(Epoch, step, rejoinCheck, PreviousMaxComputeSeconds: 0));
        _atLastAnswer = before;

        var expected = specs.Select((s, i) => (Node: s.Node, Seconds: Draws.Seconds(Nominal, slowdowns[i], s.Seed, SeededNoise.StreamKey(s.Node), step)))
            .Where((_, i) => evicted?.Contains(i) != true).ToArray();
        var group = Assert.Single(summary.Groups);
        Assert.Equal(expected.Length, group.Count);
        Assert.Equal(expected.Max(x => x.Seconds), group.MaxSeconds);
        Assert.Equal(expected.Min(x => x.Seconds), group.MinSeconds);
        Assert.Equal(expected.Sum(x => x.Seconds), group.SumSeconds, 12);
        var slowest = expected.OrderByDescending(x => x.Seconds).Take(3).ToArray();
        Assert.Equal(slowest.Select(x => x.Node), summary.Slowest.Select(s => s.Node));
        Assert.Equal(slowest.Select(x => x.Seconds), summary.Slowest.Select(s => s.ComputeSeconds));
        Assert.Empty(summary.Missed);
        Assert.Equal(rejoined ?? [], summary.Rejoined ?? []);
    }
}
