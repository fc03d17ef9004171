using OrleansCluster.Model.Failures;
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

    [Fact]
    public void FramebufferAddsUpToTheHbm()
    {
        var r = GpuTelemetryModel.Read(GpuCatalogue.Default["H200"], busy: 0.5, clockRatio: 1, down: false);

        Assert.Equal(Math.Floor(141e9 / 1048576), r.FramebufferUsedMiB + r.FramebufferFreeMiB + r.FramebufferReservedMiB);
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
