using OrleansCluster.Model.Faults;
using OrleansCluster.Model.Generations;
using OrleansCluster.Model.Telemetry;

namespace OrleansCluster.Model.Tests.Telemetry;

/// <summary>
/// The GPUs of a node read a little apart, and a node's fault shows on one of them. Found by a probe (2026-11-28): all
/// eight GPUs of a node read identically, so a node's panels overlaid perfectly, and a crash's XID (48, a double-bit
/// ECC error of one HBM stack) showed on all eight.
/// </summary>
public sealed class GpuSpreadTests
{
    private static readonly GpuGeneration H100 = GpuCatalogue.Default["H100"];

    [Fact]
    public void EachGpuOfANodeHasItsOwnPlaceEvenlySpreadAroundTheNodesFigure()
    {
        var spread = GpuSpread.Of("east-00042", 8);

        Assert.Equal(8, spread.Length);
        Assert.Equal(8, spread.Distinct().Count());
        Assert.Equal(0, spread.Sum(), 9);
        Assert.Equal(-1, spread.Min());
        Assert.Equal(1, spread.Max());
        Assert.Equal(spread, GpuSpread.Of("east-00042", 8)); // the same on every call, silo and run
        Assert.Equal([0.0], GpuSpread.Of("solo", 1));
        Assert.Empty(GpuSpread.Of("none", 0));
    }

    [Fact]
    public void NodesOrderTheirGpusDifferently()
    {
        var orders = Enumerable.Range(0, 50).Select(i => string.Join(",", GpuSpread.Of($"a-{i:D5}", 8))).Distinct().Count();
        var hottest = Enumerable.Range(0, 200).Select(i => Array.IndexOf(GpuSpread.Of($"a-{i:D5}", 8), 1.0)).Distinct().Count();

        Assert.True(orders > 45, $"{orders} orders among 50 nodes");
        Assert.Equal(8, hottest); // every index is some node's warmest GPU
    }

    [Fact]
    public void ANodesFaultShowsOnOneGpuDrawnFromTheNodeAndTheXid()
    {
        var faulty = Enumerable.Range(0, 400).Select(i => GpuSpread.FaultyGpu($"b-{i:D5}", 48, 8)).ToArray();

        Assert.All(faulty, g => Assert.InRange(g, 0, 7));
        Assert.All(Enumerable.Range(0, 8), g => Assert.Contains(g, faulty)); // any GPU can be the one
        Assert.Equal(GpuSpread.FaultyGpu("b-00007", 48, 8), GpuSpread.FaultyGpu("b-00007", 48, 8)); // the same card fails again
        Assert.Equal(0, GpuSpread.FaultyGpu("solo", 79, 1));
    }

    [Fact]
    public void GpusOfANodeReadADegreeOrTwoAndAFewWattsApartAroundTheNodesFigure()
    {
        var node = GpuTelemetryModel.Read(H100, busy: 0.6, clockRatio: 1, down: false);
        var gpus = GpuSpread.Of("east-00042", 8).Select(s => GpuTelemetryModel.Vary(node, H100, s)).ToArray();

        Assert.Equal(node.GpuTemperatureC, gpus.Average(g => g.GpuTemperatureC), 9);
        Assert.Equal(node.PowerWatts, gpus.Average(g => g.PowerWatts), 2);
        Assert.Equal(4, gpus.Max(g => g.GpuTemperatureC) - gpus.Min(g => g.GpuTemperatureC));
        Assert.Equal(4, gpus.Max(g => g.MemoryTemperatureC) - gpus.Min(g => g.MemoryTemperatureC));
        Assert.InRange(gpus.Max(g => g.PowerWatts) - gpus.Min(g => g.PowerWatts), 6, 20);
        Assert.Equal(8, gpus.Select(g => g.PowerWatts).Distinct().Count());
        // Only temperature and power: what the GPU does stays the node's.
        Assert.All(gpus, g => Assert.Equal(node with { PowerWatts = g.PowerWatts, GpuTemperatureC = g.GpuTemperatureC, MemoryTemperatureC = g.MemoryTemperatureC }, g));

    }

    [Fact]
    public void IdleGpusReadNoColderAndDrawNoLessThanTheModelsFloors()
    {
        // Found by review: idle H100s read 67.9-72.1 W, under their 70 W idle power, and 30-34 C, colder than the 32 C
        // of no dynamic power that a GPU off the bus reads.
        var idle = GpuTelemetryModel.Idle(H100);
        var spread = GpuSpread.Of("east-00042", 8);

        Assert.All(spread.Select(s => GpuTelemetryModel.Vary(idle, H100, s)), g => Assert.Equal(idle, g));

        // A degree above the floor: a degree of spread at most, none below the floor, the mean kept.
        var cool = idle with { GpuTemperatureC = 33, MemoryTemperatureC = 39, PowerWatts = 71 };
        var gpus = spread.Select(s => GpuTelemetryModel.Vary(cool, H100, s)).ToArray();
        Assert.Equal(32, gpus.Min(g => g.GpuTemperatureC));
        Assert.Equal(34, gpus.Max(g => g.GpuTemperatureC));
        Assert.Equal(33, gpus.Average(g => g.GpuTemperatureC), 9);
        Assert.Equal(39, gpus.Average(g => g.MemoryTemperatureC), 9);
        Assert.Equal(70, gpus.Min(g => g.PowerWatts), 9);
        Assert.Equal(71, gpus.Average(g => g.PowerWatts), 9);
    }

    [Fact]
    public void ANodeNearItsPowerCapKeepsTheModelsMeanAndNoGpuPassesTheCap()
    {
        // Found by review: an H100 node under a 560 W cap computing 98.9 % of its step reads 559.85 W in the model, and
        // clipping only the GPUs above the cap put its eight GPUs' mean at 557.22 W.
        var node = GpuTelemetryModel.Read(H100, busy: 0.989, clockRatio: FaultEffects.PowerCapClock(0.8), down: false, powerLimitRatio: 0.8);
        var gpus = GpuSpread.Of("east-00042", 8).Select(s => GpuTelemetryModel.Vary(node, H100, s, 0.8)).ToArray();

        Assert.InRange(node.PowerWatts, 559, 560 - 1e-6); // under the cap: the cap does not bind for the node
        Assert.Equal(node.PowerWatts, gpus.Average(g => g.PowerWatts), 9);
        Assert.True(gpus.Max(g => g.PowerWatts) <= 560, $"{gpus.Max(g => g.PowerWatts)} W");
        Assert.True(gpus.Max(g => g.PowerWatts) > node.PowerWatts, "no spread left under the cap");
    }

    [Fact]
    public void AGpuAtItsCapItsSlowdownTemperatureOrDownStaysThere()
    {
        var capped = GpuTelemetryModel.Read(H100, busy: 1, clockRatio: Math.Cbrt(0.3), down: false, powerLimitRatio: 0.3);
        var hot = GpuTelemetryModel.Read(H100, busy: 1, clockRatio: 0.7, down: false);
        var down = GpuTelemetryModel.Read(H100, busy: 1, clockRatio: 1, down: true, xid: 48);
        var underCap = GpuTelemetryModel.Read(H100, busy: 0.2, clockRatio: Math.Cbrt(0.5), down: false, powerLimitRatio: 0.5);
        var justUnderCap = GpuTelemetryModel.Read(H100, busy: 0.835, clockRatio: FaultEffects.PowerCapClock(0.5), down: false, powerLimitRatio: 0.5);
        var atCap = GpuTelemetryModel.Read(H100, busy: 1, clockRatio: FaultEffects.PowerCapClock(0.5), down: false, powerLimitRatio: 0.5);
        Assert.InRange(350 - justUnderCap.PowerWatts, 1e-6, 5); // within a GPU's spread of the cap: it bounds the spread
        Assert.Equal(350, atCap.PowerWatts, 9);

        foreach (var s in (double[])[-1, -0.4, 0.4, 1])
        {
            Assert.Equal(210, GpuTelemetryModel.Vary(capped, H100, s, 0.3).PowerWatts, 9);
            Assert.Equal(H100.SlowdownTemperatureC, GpuTelemetryModel.Vary(hot, H100, s).GpuTemperatureC);
            Assert.Equal(down, GpuTelemetryModel.Vary(down, H100, s));
            Assert.True(GpuTelemetryModel.Vary(underCap, H100, s, 0.5).PowerWatts <= 350, $"{s}");
            Assert.True(GpuTelemetryModel.Vary(justUnderCap, H100, s, 0.5).PowerWatts <= 350, $"{s}: {GpuTelemetryModel.Vary(justUnderCap, H100, s, 0.5).PowerWatts} W");
            Assert.Equal(350, GpuTelemetryModel.Vary(atCap, H100, s, 0.5).PowerWatts, 9);
        }
    }
}
