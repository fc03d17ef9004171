using OrleansCluster.Model.Failures;
using OrleansCluster.Model.Faults;
using OrleansCluster.Model.Generations;
using OrleansCluster.Model.Telemetry;

namespace OrleansCluster.Model.Tests.Telemetry;

public sealed class GpuTelemetryModelTests
{
    private static readonly GpuGeneration H100 = GpuCatalogue.Default["H100"];

    [Fact]
    public void FullyBusyGpuDrawsNearlyItsTdpAtFullClock()
    {
        var r = GpuTelemetryModel.Read(H100, busy: 1, clockRatio: 1, down: false);

        Assert.Equal(70 + (630 * 0.98), r.PowerWatts, 3); // 2 % of the step has no kernel at all
        Assert.Equal(1980, r.SmClockMhz);
        Assert.Equal(98, r.GpuUtilPercent);
        Assert.Equal(0, r.LastXid);
        Assert.True(r.GpuTemperatureC < H100.SlowdownTemperatureC);
    }

    [Fact]
    public void AGenerationWhoseTdpIsItsIdlePowerReadsAFiniteTemperature()
    {
        // Found by a review: the temperature divided by TDP - idle, which a scenario's tdpWatts of 70 (H100's idle) made 0.
        var atIdle = H100 with { TdpWatts = H100.IdleWatts };

        var r = GpuTelemetryModel.Read(atIdle, busy: 0.8, clockRatio: 1, down: false);

        Assert.True(double.IsFinite(r.GpuTemperatureC), $"{r.GpuTemperatureC}");
        Assert.Equal(H100.IdleWatts, r.PowerWatts, 9);
        var full = GpuTelemetryModel.Read(H100, busy: 0.8, clockRatio: 1, down: false);
        Assert.Equal(full.GpuTemperatureC, r.GpuTemperatureC, 9); // the temperature follows the dynamic share, as at any TDP
    }

    [Fact]
    public void GpuWaitingInsideTheCollectiveReadsBusyWhileItsTensorActivityAndPowerFallWithItsWaitShare()
    {
        var slowest = GpuTelemetryModel.Read(H100, busy: 0.95, clockRatio: 1, down: false);
        var waiting = GpuTelemetryModel.Read(H100, busy: 0.30, clockRatio: 1, down: false);

        // NCCL's kernels spin while it waits: "a kernel is running" all the same (NVML's definition of utilisation).
        Assert.True(waiting.GpuUtilPercent > 90);
        Assert.Equal(slowest.GpuUtilPercent, waiting.GpuUtilPercent);
        Assert.True(waiting.GraphicsEngineActive > 0.9);
        // What falls is the work: tensor pipe in proportion to the compute share, SM activity, DRAM and power.
        Assert.Equal(0.30 / 0.95, waiting.TensorPipeActive / slowest.TensorPipeActive, 9);
        Assert.Equal(70 + (630 * ((0.30 * 0.98) + (0.70 * 0.98 * 0.2))), waiting.PowerWatts, 3);
        Assert.True(waiting.PowerWatts < slowest.PowerWatts);
        Assert.Equal((0.92 * 0.30 * 0.98) + (0.24 * 0.70 * 0.98), waiting.SmActive, 9); // NCCL holds ~32 of 132 SMs
        Assert.True(waiting.SmActive < slowest.SmActive);
        Assert.True(waiting.SmOccupancy < slowest.SmOccupancy / 2);
        Assert.True(waiting.DramActive < slowest.DramActive);
        Assert.True(waiting.GpuTemperatureC < slowest.GpuTemperatureC);
    }

    [Fact]
    public void ThrottledGpuHoldsALowerClockAtItsSlowdownTemperature()
    {
        var r = GpuTelemetryModel.Read(H100, busy: 1, clockRatio: 0.7, down: false);

        Assert.Equal(Math.Round(1980 * 0.7), r.SmClockMhz);
        Assert.Equal(H100.SlowdownTemperatureC, r.GpuTemperatureC);
        Assert.Equal(70 + (630 * 0.98 * 0.343), r.PowerWatts, 3); // power falls with the cube of the clock
    }

    public static TheoryData<string> Generations() => [.. GpuCatalogue.Default.All.Select(g => g.Name)];

    [Theory]
    [MemberData(nameof(Generations))]
    public void APowerCappedGpuDrawsNoMoreThanItsCapAndRunsCoolerThanItsSlowdownTemperature(string name)
    {
        // Found by probing: a site.power-cap of 0.3 read 153.5 W on an A100 (cap 120 W) and 218 W on an H100 (cap
        // 210 W), at the slowdown temperature, so DcgmGpuHot fired for a power cap.
        var generation = GpuCatalogue.Default[name];
        foreach (var ratio in (double[])[0.05, 0.1, 0.3, 0.5, 0.8, 0.99])
        {
            ActiveFault[] cap = [new(FaultKind.SitePowerCap, new Dictionary<string, double> { ["ratio"] = ratio })];
            var (_, _, clock) = FaultEffects.ForNode(cap);
            foreach (var busy in (double[])[0, 0.1, 0.3, 0.5, 0.9, 1, double.NaN])
            {
                var r = GpuTelemetryModel.Read(generation, busy, clock, down: false, powerLimitRatio: FaultEffects.PowerLimitRatio(cap));

                var at = $"{name}, cap {ratio}, busy {busy}";
                Assert.True(r.PowerWatts <= (ratio * generation.TdpWatts) + 5e-4, $"{at}: {r.PowerWatts} W over {ratio * generation.TdpWatts} W");
                Assert.True(r.GpuTemperatureC < generation.SlowdownTemperatureC, $"{at}: {r.GpuTemperatureC} C");
                // The cap's clock while it computes, no lower while it spins in the collective.
                Assert.InRange(r.SmClockMhz, Math.Round(generation.MaxSmClockMhz * clock), generation.MaxSmClockMhz);
                if (busy == 1)
                {
                    Assert.Equal(Math.Round(generation.MaxSmClockMhz * clock), r.SmClockMhz);
                }
            }
        }

        // Its temperature follows its power: a GPU at a lower cap runs cooler.
        var hotter = GpuTelemetryModel.Read(generation, 1, FaultEffects.PowerCapClock(0.8), down: false, powerLimitRatio: 0.8);
        var cooler = GpuTelemetryModel.Read(generation, 1, FaultEffects.PowerCapClock(0.3), down: false, powerLimitRatio: 0.3);
        Assert.True(cooler.GpuTemperatureC < hotter.GpuTemperatureC, $"{cooler.GpuTemperatureC} C at 0.3, {hotter.GpuTemperatureC} C at 0.8");
    }

    [Theory]
    [MemberData(nameof(Generations))]
    public void APowerCapLowersTheClockOnlyWhileItBinds(string name)
    {
        // Found by a probe: a cap held the lower clock all step, even while the GPU waited in the collective far under it
        // (an H100 computing 30 % of a step drew 305 W under a 560 W cap and read 1,838 MHz). A power cap throttles
        // only while the GPU would draw over it: while it computes (its GEMMs draw TDP at the full clock), not while its
        // NCCL kernels spin (a fifth of the dynamic range), unless the cap is under even that.
        var generation = GpuCatalogue.Default[name];
        var max = generation.MaxSmClockMhz;
        var shallow = 0.8;
        var capClock = FaultEffects.PowerCapClock(shallow);

        var waiting = GpuTelemetryModel.Read(generation, busy: 0, clockRatio: capClock, down: false, powerLimitRatio: shallow);
        var computing = GpuTelemetryModel.Read(generation, busy: 1, clockRatio: capClock, down: false, powerLimitRatio: shallow);
        var partly = GpuTelemetryModel.Read(generation, busy: 0.3, clockRatio: capClock, down: false, powerLimitRatio: shallow);

        Assert.True(waiting.PowerWatts < shallow * generation.TdpWatts, $"{waiting.PowerWatts} W");
        Assert.Equal(max, waiting.SmClockMhz);
        Assert.Equal(Math.Round(max * capClock), computing.SmClockMhz);
        Assert.Equal(Math.Round(max * ((0.3 * capClock) + 0.7)), partly.SmClockMhz);

        // A cap under what the spin draws at the full clock binds there too: the clock that meets the limit.
        var deep = (generation.IdleWatts + (0.1 * (generation.TdpWatts - generation.IdleWatts))) / generation.TdpWatts;
        var spinning = GpuTelemetryModel.Read(generation, busy: 0, clockRatio: FaultEffects.PowerCapClock(deep), down: false, powerLimitRatio: deep);
        Assert.Equal(Math.Round(max * Math.Cbrt(0.5)), spinning.SmClockMhz);

        // Without a cap, a throttle holds its clock whatever the GPU does.
        Assert.Equal(Math.Round(max * 0.7), GpuTelemetryModel.Read(generation, busy: 0, clockRatio: 0.7, down: false).SmClockMhz);
    }

    [Theory]
    [MemberData(nameof(Generations))]
    public void AThrottleUnderAPowerCapKeepsTheSlowdownTemperatureAndTheCap(string name)
    {
        var generation = GpuCatalogue.Default[name];
        ActiveFault[] faults =
        [
            new(FaultKind.NodeThermalThrottle, new Dictionary<string, double> { ["clockRatio"] = 0.5 }),
            new(FaultKind.SitePowerCap, new Dictionary<string, double> { ["ratio"] = 0.3 }),
        ];
        var (_, _, clock) = FaultEffects.ForNode(faults);

        var r = GpuTelemetryModel.Read(generation, 1, clock, down: false, powerLimitRatio: FaultEffects.PowerLimitRatio(faults));

        Assert.Equal(Math.Round(generation.MaxSmClockMhz * 0.5), r.SmClockMhz); // the throttle's clock, under the cap's 0.67
        Assert.Equal(generation.SlowdownTemperatureC, r.GpuTemperatureC);
        Assert.True(r.PowerWatts <= (0.3 * generation.TdpWatts) + 5e-4, $"{r.PowerWatts} W");
    }

    [Theory]
    [MemberData(nameof(Generations))]
    public void WithNoPowerLimitTheReadingsAreThoseOfTheClockAlone(string name)
    {
        var generation = GpuCatalogue.Default[name];
        foreach (var clock in (double[])[1, 0.7, 0.3])
        {
            foreach (var busy in (double[])[0, 0.4, 1])
            {
                var plain = GpuTelemetryModel.Read(generation, busy, clock, down: false);

                Assert.Equal(plain, GpuTelemetryModel.Read(generation, busy, clock, down: false, powerLimitRatio: 1));
                Assert.Equal(plain, GpuTelemetryModel.Read(generation, busy, clock, down: false, powerLimitRatio: 0)); // a silo without the field
                Assert.Equal(clock < 1, plain.GpuTemperatureC == generation.SlowdownTemperatureC); // a throttle alone: its slowdown temperature
                Assert.Equal(generation.IdleWatts + ((generation.TdpWatts - generation.IdleWatts) * ((busy * 0.98 * clock * clock * clock) + ((1 - busy) * 0.98 * 0.2))), plain.PowerWatts, 3);
            }
        }
    }

    [Fact]
    public void CrashedGpuHasFallenOffTheBus()
    {
        var r = GpuTelemetryModel.Read(H100, busy: 1, clockRatio: 1, down: true);

        Assert.Equal(79, r.LastXid);
        Assert.Equal(48, GpuTelemetryModel.Read(H100, busy: 1, clockRatio: 1, down: true, xid: 48).LastXid);
        Assert.Equal(0, GpuTelemetryModel.Read(H100, busy: 1, clockRatio: 1, down: false, xid: 48).LastXid);
        Assert.Equal(0, r.GpuUtilPercent);
        Assert.Equal(0, r.GraphicsEngineActive);
        Assert.Equal(0, r.SmActive);
        Assert.Equal(0, r.PowerWatts);
        Assert.Equal(0, r.FramebufferUsedMiB);
    }

    [Theory]
    [InlineData("A100", 81_920)]
    [InlineData("H100", 81_559)]
    [InlineData("H200", 143_771)]
    [InlineData("B200", 183_359)]
    public void FramebufferAddsUpToTheTotalNvidiaSmiReports(string name, double totalMiB)
    {
        // Found by a probe: the totals came from the datasheet's decimal GB (an H100's 80 GB read 76,293 MiB), where the
        // driver reports 81,559 MiB (nvidia-smi readings, docs/telemetry.md).
        var generation = GpuCatalogue.Default[name];
        foreach (var r in (GpuReadings[])[
            GpuTelemetryModel.Read(generation, busy: 0.5, clockRatio: 1, down: false),
            GpuTelemetryModel.Read(generation, busy: 0.5, clockRatio: 1, down: true),
            GpuTelemetryModel.Idle(generation)])
        {
            Assert.Equal(totalMiB, r.FramebufferUsedMiB + r.FramebufferFreeMiB + r.FramebufferReservedMiB);
            Assert.True(r.FramebufferFreeMiB >= 0 && r.FramebufferReservedMiB > 0, $"{r}");
        }
    }

    [Fact]
    public void AGenerationOfItsOwnTakesItsGigabytesAsGibibytesAndNeverReadsANegativeFramebuffer()
    {
        var own = new GpuGeneration("X1", 1e15, 96e9, 4e12, 900e9, 700);
        var r = GpuTelemetryModel.Read(own, busy: 0.5, clockRatio: 1, down: false);
        Assert.Equal(96 * 1024, r.FramebufferUsedMiB + r.FramebufferFreeMiB + r.FramebufferReservedMiB);

        var none = GpuTelemetryModel.Read(own with { FramebufferMiB = 100 }, busy: 0.5, clockRatio: 1, down: false);
        Assert.Equal(100, none.FramebufferUsedMiB + none.FramebufferFreeMiB + none.FramebufferReservedMiB);
        Assert.True(none.FramebufferFreeMiB >= 0 && none.FramebufferUsedMiB >= 0, $"{none}");
    }

    [Fact]
    public void OnlyADoubleBitEccErrorRemapsARow()
    {
        Assert.True(XidCatalog.RemapsARow(48));
        Assert.All((int[])[0, 79, 95, 119, 999], xid => Assert.False(XidCatalog.RemapsARow(xid), $"XID {xid}"));
    }

    [Fact]
    public void XidMessagesAreNvidiasForTheXidsTheCausesUse()
    {
        // NVIDIA's XID Errors table, as dcgm-exporter prints it in err_msg.
        Assert.Equal("No Error", XidCatalog.Message(0));
        Assert.Equal("Double Bit ECC Error", XidCatalog.Message(48));
        Assert.Equal("GPU has fallen off the bus", XidCatalog.Message(79));
        Assert.Equal("Uncontained ECC error", XidCatalog.Message(95));
        Assert.Equal("GSP RPC Timeout", XidCatalog.Message(119));
        Assert.Equal("Unknown Error", XidCatalog.Message(999));
        var presetXids = FailurePresets.Names
            .SelectMany(name => FailurePresets.TryGet(name, out var causes) ? causes : [])
            .Select(c => c.Xid).OfType<int>().Distinct();
        Assert.All(presetXids, xid => Assert.True(XidCatalog.Messages.ContainsKey(xid), $"XID {xid} of a preset has no message"));
    }
}
