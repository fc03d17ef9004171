using OrleansCluster.Model.Generations;
using OrleansCluster.Model.Telemetry;

namespace OrleansCluster.Model.Tests.Telemetry;

public sealed class GpuTelemetryModelTests
{
    private static readonly GpuGeneration H100 = GpuCatalogue.Default["H100"];

    [Fact]
    public void FullyBusyGpuDrawsItsTdpAtFullClock()
    {
        var r = GpuTelemetryModel.Read(H100, busy: 1, clockRatio: 1, down: false);

        Assert.Equal(700, r.PowerWatts, 6);
        Assert.Equal(1980, r.SmClockMhz);
        Assert.Equal(100, r.GpuUtilPercent);
        Assert.Equal(0, r.LastXid);
        Assert.True(r.GpuTemperatureC < H100.SlowdownTemperatureC);
    }

    [Fact]
    public void GpuWaitingAtTheBarrierShowsLessUtilisationAndPower()
    {
        var slowest = GpuTelemetryModel.Read(H100, busy: 0.95, clockRatio: 1, down: false);
        var waiting = GpuTelemetryModel.Read(H100, busy: 0.30, clockRatio: 1, down: false);

        Assert.Equal(30, waiting.GpuUtilPercent);
        Assert.True(waiting.PowerWatts < slowest.PowerWatts);
        Assert.Equal(70 + (630 * 0.30), waiting.PowerWatts, 6);
        Assert.True(waiting.TensorPipeActive < slowest.TensorPipeActive);
        Assert.True(waiting.GpuTemperatureC < slowest.GpuTemperatureC);
    }

    [Fact]
    public void ThrottledGpuHoldsALowerClockAtItsSlowdownTemperature()
    {
        var r = GpuTelemetryModel.Read(H100, busy: 1, clockRatio: 0.7, down: false);

        Assert.Equal(Math.Round(1980 * 0.7), r.SmClockMhz);
        Assert.Equal(H100.SlowdownTemperatureC, r.GpuTemperatureC);
        Assert.Equal(70 + (630 * 0.343), r.PowerWatts, 6); // power falls with the cube of the clock
    }

    [Fact]
    public void CrashedGpuHasFallenOffTheBus()
    {
        var r = GpuTelemetryModel.Read(H100, busy: 1, clockRatio: 1, down: true);

        Assert.Equal(79, r.LastXid);
        Assert.Equal(0, r.GpuUtilPercent);
        Assert.Equal(0, r.PowerWatts);
        Assert.Equal(0, r.FramebufferUsedMiB);
    }

    [Fact]
    public void FramebufferAddsUpToTheHbm()
    {
        var r = GpuTelemetryModel.Read(GpuCatalogue.Default["H200"], busy: 0.5, clockRatio: 1, down: false);

        Assert.Equal(Math.Floor(141e9 / 1048576), r.FramebufferUsedMiB + r.FramebufferFreeMiB + r.FramebufferReservedMiB);
    }
}
