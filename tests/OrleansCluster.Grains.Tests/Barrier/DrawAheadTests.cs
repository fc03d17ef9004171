using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
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
    private const int Nodes = 24; // three of the fixture's batches of 8 steps are staggered over them
    private const double Nominal = 0.5;
    private static readonly ComputeDraws Draws = new(0.05, 0.02, 3.0);

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

        // Steps in order, some right after the last answer (the draw ahead taken back or still running) and some
        // after a pause (drawn ahead by then); then back to step 6, as a job going back to its checkpoint at step 5
        // after a failed step 13, over rows that the draws ahead of steps 7 to 13 overwrote.
        long[] steps = [.. Enumerable.Range(1, 12), .. Enumerable.Range(6, 20)];
        foreach (var step in steps)
        {
            await AssertStepAsync(block, specs, slowdowns, step, pauseBefore: step % 2 == 0);
        }

        // An effect told after the next step's batches were drawn ahead: that step already runs the node slowed (its
        // grain draws it under the effect), and once at rest again, it is drawn by the block as before.
        await Task.Delay(50, TestContext.Current.CancellationToken);
        var slowed = new NodeEffect(2.0, Crashed: false);
        await block.SetNodeEffectsAsync(Epoch, [new NodeEffectChange(specs[5].Node, slowed)]);
        slowdowns[5] = slowed.Slowdown;
        for (var step = 26L; step <= 30; step++)
        {
            await AssertStepAsync(block, specs, slowdowns, step, pauseBefore: true);
        }

        await block.SetNodeEffectsAsync(Epoch, [new NodeEffectChange(specs[5].Node, NodeEffect.None)]);
        slowdowns[5] = 1.0;
        for (var step = 31L; step <= 40; step++)
        {
            await AssertStepAsync(block, specs, slowdowns, step, pauseBefore: step % 3 == 0);
        }
    }

    private static async Task AssertStepAsync(IBlockGrain block, NodeSpec[] specs, double[] slowdowns, long step, bool pauseBefore)
    {
        if (pauseBefore)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        var summary = await block.RunStepAsync(new StepCommand(Epoch, step, RejoinCheck: false, PreviousMaxComputeSeconds: 0));

        var expected = specs.Select((s, i) => Draws.Seconds(Nominal, slowdowns[i], s.Seed, SeededNoise.StreamKey(s.Node), step)).ToArray();
        var group = Assert.Single(summary.Groups);
        Assert.Equal(Nodes, group.Count);
        Assert.Equal(expected.Max(), group.MaxSeconds);
        Assert.Equal(expected.Min(), group.MinSeconds);
        Assert.Equal(expected.Sum(), group.SumSeconds, 12);
        var slowest = expected.Select((t, i) => (Node: specs[i].Node, Seconds: t)).OrderByDescending(x => x.Seconds).Take(3).ToArray();
        Assert.Equal(slowest.Select(x => x.Node), summary.Slowest.Select(s => s.Node));
        Assert.Equal(slowest.Select(x => x.Seconds), summary.Slowest.Select(s => s.ComputeSeconds));
        Assert.Empty(summary.Missed);
    }
}
