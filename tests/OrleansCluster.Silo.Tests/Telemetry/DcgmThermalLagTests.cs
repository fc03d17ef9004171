using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Telemetry;
using OrleansCluster.Model.Faults;
using OrleansCluster.Model.Simulation;
using OrleansCluster.Model.Telemetry;
using OrleansCluster.Silo.Tests.Api;
using static OrleansCluster.Silo.Tests.Telemetry.DcgmWriterStateTests;

namespace OrleansCluster.Silo.Tests.Telemetry;

/// <summary>
/// A GPU's temperature follows its power with a first-order lag (<see cref="ThermalLag"/>, 20 s by default), over the
/// wall time between scrapes, as a real GPU's does: after a power cap, or its node going idle, it moves toward its new
/// steady value scrape after scrape and reaches it, where it jumped at once before (found by review, fix-dcgm). Through a
/// writer of its own on a real silo, its clock moved by the test, over copies of the silo's block entry with the effects
/// set by the test (as the fault registry sets them).
/// </summary>
public sealed partial class DcgmThermalLagTests
{
    private const string Node = "a-00001";
    private static readonly TimeSpan Scrape = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task TemperatureMovesTowardItsNewSteadyValueOverSuccessiveScrapesAfterAPowerCapAndAnIdleNodeAndReachesIt()
    {
        await using var factory = DcgmSilo();
        using var client = factory.CreateAdminClient();
        await MetricsPage.LoadAsync(client, DcgmWriterStateTests.Scenario);
        var live = await WaitForEntryAsync(factory, Node);
        var grains = factory.Services.GetRequiredService<IGrainFactory>();
        var index = live.Nodes.ToList().IndexOf(Node);
        var block = ClusterLayout.BlockOf(Node, ClusterLayout.DefaultBlockSize)!;
        // The node's last step held still (the block writes its live arrays every step), under the effect the test sets.
        DcgmNodes.Entry Under(NodeEffect effect, bool evicted = false)
        {
            var effects = live.Effects.ToArray();
            effects[index] = effect;
            var gone = live.Evicted.ToArray();
            gone[index] = evicted;
            return live with { Busy = live.Busy.ToArray(), Effects = effects, Evicted = gone };
        }

        // The steady temperatures of the node's eight GPUs under an entry: what a writer that never showed them reads.
        async Task<double[]> SteadyAsync(DcgmNodes.Entry entry)
        {
            var nodes = new DcgmNodes();
            nodes.Register(block, entry);
            using var fresh = Writer(factory, nodes, grains, new ManualClock());
            return Temperatures(await WriteAsync(fresh), "DCGM_FI_DEV_GPU_TEMP");
        }

        var clock = new ManualClock();
        var shown = new DcgmNodes();
        using var writer = Writer(factory, shown, grains, clock);
        async Task<string> ScrapeAsync(DcgmNodes.Entry entry, TimeSpan after)
        {
            clock.Advance(after);
            shown.Register(block, entry);
            return await WriteAsync(writer);
        }

        var training = Under(NodeEffect.None);
        var trainingSteady = await SteadyAsync(training);
        Assert.Equal(trainingSteady, Temperatures(await ScrapeAsync(training, TimeSpan.Zero), "DCGM_FI_DEV_GPU_TEMP"));

        // A power cap of 0.3 (an H100's 210 W): the GPUs cool toward the cap's steady value, a little at each scrape.
        var capped = Under(new NodeEffect(FaultEffects.PowerCapSlowdown(0.3), false, FaultEffects.PowerCapClock(0.3), PowerLimitRatio: 0.3));
        var cappedSteady = await SteadyAsync(capped);
        Assert.All(Enumerable.Range(0, 8), g => Assert.True(trainingSteady[g] - cappedSteady[g] >= 8, $"GPU {g}: {trainingSteady[g]} C training, {cappedSteady[g]} C capped"));
        await StepResponseAsync(page => Temperatures(page, "DCGM_FI_DEV_GPU_TEMP"), () => ScrapeAsync(capped, Scrape), trainingSteady, cappedSteady, "GPU under a cap");

        // Evicted: idle, toward the 32 C of no dynamic power; HBM toward 38 C, lagging alike.
        var idle = Under(NodeEffect.None, evicted: true);
        var memoryBefore = Temperatures(await ScrapeAsync(capped, TimeSpan.Zero), "DCGM_FI_DEV_MEMORY_TEMP");
        var first = await ScrapeAsync(idle, Scrape);
        Assert.All(Temperatures(first, "DCGM_FI_DEV_MEMORY_TEMP"), (t, g) => Assert.InRange(t, 38.5, memoryBefore[g] - 0.5));
        await StepResponseAsync(page => Temperatures(page, "DCGM_FI_DEV_GPU_TEMP"), () => ScrapeAsync(idle, Scrape), cappedSteady, Enumerable.Repeat(32.0, 8).ToArray(), "idle GPU", first);
        Assert.All(Temperatures(await ScrapeAsync(idle, Scrape), "DCGM_FI_DEV_MEMORY_TEMP"), t => Assert.Equal(38, t));

        // Back to training: the GPUs warm up over the scrapes, as they cooled.
        await StepResponseAsync(page => Temperatures(page, "DCGM_FI_DEV_GPU_TEMP"), () => ScrapeAsync(training, Scrape), Enumerable.Repeat(32.0, 8).ToArray(), trainingSteady, "GPU back at work");

        // A thermal throttle holds the GPU at its slowdown temperature at once (that heat is what throttles it); once it
        // is repaired the GPU cools from there with the lag.
        var throttled = Under(new NodeEffect(1 / 0.7, false, 0.7));
        Assert.All(Temperatures(await ScrapeAsync(throttled, Scrape), "DCGM_FI_DEV_GPU_TEMP"), t => Assert.Equal(87, t));
        Assert.All(Temperatures(await ScrapeAsync(training, Scrape), "DCGM_FI_DEV_GPU_TEMP"), (t, g) => Assert.InRange(t, trainingSteady[g] + 1, 86));
    }

    // Scrapes every Scrape until the eight GPUs read `to`: at the first, every GPU has moved from `from` toward `to`
    // without reaching it; at each, none moves back or past `to`; within 5 time constants (exp(-5) of the widest step
    // here, about 40 C, is under half a degree) all read `to`, and every later scrape too.
    private static async Task StepResponseAsync(Func<string, double[]> read, Func<Task<string>> scrape, double[] from, double[] to, string what, string? firstPage = null)
    {
        var first = read(firstPage ?? await scrape());
        Assert.All(Enumerable.Range(0, 8), g => Assert.True(
            Between(first[g], from[g], to[g]) && first[g] != from[g] && first[g] != to[g],
            $"{what} {g}, first scrape {Scrape.TotalSeconds} s after the change: {first[g]} C, from {from[g]} C toward {to[g]} C"));
        var last = first;
        var scrapes = (int)Math.Ceiling(5 * ThermalLag.DefaultTimeConstantSeconds / Scrape.TotalSeconds);
        for (var i = 1; i < scrapes; i++)
        {
            var now = read(await scrape());
            Assert.All(Enumerable.Range(0, 8), g => Assert.True(Between(now[g], last[g], to[g]), $"{what} {g}, scrape {i + 1}: {now[g]} C after {last[g]} C, toward {to[g]} C"));
            last = now;
        }

        Assert.Equal(to, last);
        Assert.Equal(to, read(await scrape()));
    }

    private static bool Between(double value, double from, double to) => value >= Math.Min(from, to) && value <= Math.Max(from, to);

    // The node's eight GPUs' values of a series, by GPU index.
    private static double[] Temperatures(string page, string series)
    {
        var values = Regex.Matches(page, $"^{series}\\{{gpu=\"(\\d)\",[^}}]*Hostname=\"{Node}\"[^}}]*\\}} (\\S+)$", RegexOptions.Multiline)
            .OrderBy(m => m.Groups[1].Value, StringComparer.Ordinal)
            .Select(m => double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(8, values.Length);
        return values;
    }
}
