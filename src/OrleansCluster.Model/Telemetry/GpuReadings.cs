using OrleansCluster.Model.Generations;

namespace OrleansCluster.Model.Telemetry;

/// <summary>What one GPU's sensors and counters read, in dcgm-exporter's units (MHz, C, W, %, MiB, ratios, B/s).</summary>
public sealed record GpuReadings(
    double SmClockMhz,
    double MemoryClockMhz,
    double GpuTemperatureC,
    double MemoryTemperatureC,
    double PowerWatts,
    double GpuUtilPercent,
    double MemoryCopyUtilPercent,
    double FramebufferUsedMiB,
    double FramebufferFreeMiB,
    double FramebufferReservedMiB,
    int LastXid,
    double GraphicsEngineActive,
    double TensorPipeActive,
    double DramActive,
    double PcieTxBytesPerSecond,
    double PcieRxBytesPerSecond,
    double NvLinkBytesPerSecond);

/// <summary>
/// The per-GPU view of the model, for the dcgm-exporter-compatible series. A GPU's busy fraction is its
/// node's compute time over the step time (<c>t_i / T_step</c>): the rest of the step it waits at the barrier
/// or in the all-reduce, so a fast GPU in a slow job shows low utilisation and power. Throttling and power caps
/// hold the SM clock at <c>clockRatio</c> of its maximum; a throttled GPU sits at its generation's slowdown
/// temperature. A crashed node's GPUs report XID 79 ("GPU has fallen off the bus") with no utilisation or power.
/// </summary>
public static class GpuTelemetryModel
{
    /// <summary>XID 79: the driver lost the GPU.</summary>
    public const int FallenOffTheBus = 79;

    private const double MiB = 1024 * 1024;
    private const double AmbientC = 32;
    private const double ReservedMiB = 512;
    private const double FramebufferInUse = 0.85;

    /// <summary>Readings of a GPU of <paramref name="generation"/> that computed <paramref name="busy"/> of the last step.</summary>
    public static GpuReadings Read(GpuGeneration generation, double busy, double clockRatio, bool down)
    {
        ArgumentNullException.ThrowIfNull(generation);
        var totalMiB = Math.Floor(generation.HbmBytes / MiB);
        if (down)
        {
            return new GpuReadings(0, 0, AmbientC, AmbientC, 0, 0, 0, 0, totalMiB - ReservedMiB, ReservedMiB, FallenOffTheBus, 0, 0, 0, 0, 0, 0);
        }

        busy = Math.Clamp(double.IsFinite(busy) ? busy : 0, 0, 1);
        clockRatio = Math.Clamp(clockRatio, 0.05, 1);
        var throttled = clockRatio < 1;
        var power = generation.IdleWatts + ((generation.TdpWatts - generation.IdleWatts) * busy * clockRatio * clockRatio * clockRatio);
        var temperature = throttled
            ? generation.SlowdownTemperatureC
            : AmbientC + ((generation.SlowdownTemperatureC - 15 - AmbientC) * (power - generation.IdleWatts) / (generation.TdpWatts - generation.IdleWatts));
        var used = Math.Round((totalMiB - ReservedMiB) * FramebufferInUse);
        var dram = 0.45 * busy;
        return new GpuReadings(
            Math.Round(generation.MaxSmClockMhz * clockRatio),
            generation.MemoryClockMhz,
            Math.Round(temperature),
            Math.Round(temperature + 6),
            Math.Round(power, 3),
            Math.Round(100 * busy),
            Math.Round(100 * dram),
            used,
            totalMiB - ReservedMiB - used,
            ReservedMiB,
            0,
            busy,
            0.8 * busy,
            dram,
            0.4e9 * busy,
            1.2e9 * busy,
            generation.NvLinkBandwidthBytesPerSecond * 0.3 * busy);
    }
}
