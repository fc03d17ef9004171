using OrleansCluster.Model.Generations;
using OrleansCluster.Model.Telemetry;

namespace OrleansCluster.Model.Tests.Telemetry;

/// <summary>
/// A GPU that runs no kernel (its job paused or stopped, its node evicted without crashing) is a healthy idle GPU: no
/// XID, nothing active, its generation's idle power and SM clock, at the temperature of no dynamic power, its memory
/// still held. Before 2026-11-28 the writer read such a GPU as down (XID 79, 0 W) or as its last step (98 %, ~350 W).
/// </summary>
public sealed class GpuTelemetryModelIdleTests
{
    [Theory]
    [InlineData("A100", 60, 246)]
    [InlineData("H100", 70, 345)]
    [InlineData("H200", 75, 345)]
    [InlineData("B200", 140, 342)]
    public void AnIdleGpuReadsHealthyAtItsGenerationsIdlePowerAndClock(string name, double idleWatts, double smClockMhz)
    {
        var generation = GpuCatalogue.Default[name];

        var idle = GpuTelemetryModel.Idle(generation);

        Assert.Equal(idleWatts, idle.PowerWatts);
        Assert.Equal(smClockMhz, idle.SmClockMhz);
        Assert.Equal(generation.MemoryClockMhz, idle.MemoryClockMhz);
        Assert.Equal(0, idle.LastXid);
        Assert.Equal(0, idle.GpuUtilPercent);
        Assert.Equal(0, idle.MemoryCopyUtilPercent);
        Assert.All(
            [idle.GraphicsEngineActive, idle.SmActive, idle.SmOccupancy, idle.TensorPipeActive, idle.DramActive, idle.PcieTxBytesPerSecond, idle.PcieRxBytesPerSecond, idle.NvLinkBytesPerSecond],
            v => Assert.Equal(0, v));

        // As cool as a GPU at no dynamic power, cooler than any that works; its framebuffer as a training GPU's.
        var working = GpuTelemetryModel.Read(generation, busy: 0, clockRatio: 1, down: false);
        Assert.True(idle.GpuTemperatureC < working.GpuTemperatureC, $"{idle.GpuTemperatureC} C against {working.GpuTemperatureC} C");
        Assert.Equal(working.FramebufferUsedMiB, idle.FramebufferUsedMiB);
        Assert.Equal(working.FramebufferFreeMiB, idle.FramebufferFreeMiB);
        Assert.Equal(working.FramebufferReservedMiB, idle.FramebufferReservedMiB);
    }

    [Fact]
    public void OnlyADownGpuReportsAnXid()
    {
        var h100 = GpuCatalogue.Default["H100"];

        Assert.Equal(79, GpuTelemetryModel.Read(h100, busy: double.NaN, clockRatio: 1, down: true).LastXid);
        Assert.Equal(0, GpuTelemetryModel.Idle(h100).LastXid);
    }
}
