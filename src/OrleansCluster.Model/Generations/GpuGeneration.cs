namespace OrleansCluster.Model.Generations;

/// <summary>
/// One GPU generation, in SI units (FLOP/s, bytes, bytes/s, watts), per GPU.
/// </summary>
/// <param name="Name">Catalogue key used by scenarios, e.g. <c>H100</c>.</param>
/// <param name="PeakFlopsPerSecond">Dense BF16 peak.</param>
/// <param name="HbmBytes">HBM capacity.</param>
/// <param name="HbmBandwidthBytesPerSecond">HBM bandwidth.</param>
/// <param name="NvLinkBandwidthBytesPerSecond">NVLink bandwidth per GPU.</param>
/// <param name="TdpWatts">Thermal design power.</param>
public sealed record GpuGeneration(
    string Name,
    double PeakFlopsPerSecond,
    double HbmBytes,
    double HbmBandwidthBytesPerSecond,
    double NvLinkBandwidthBytesPerSecond,
    double TdpWatts)
{
    /// <summary>The device name a driver reports (dcgm-exporter's <c>modelName</c>).</summary>
    public string ModelName { get; init; } = $"NVIDIA {Name}";

    /// <summary>Maximum SM clock, MHz.</summary>
    public double MaxSmClockMhz { get; init; } = 1980;

    /// <summary>Memory clock, MHz.</summary>
    public double MemoryClockMhz { get; init; } = 2619;

    /// <summary>Temperature at which the GPU starts to slow itself down, C.</summary>
    public double SlowdownTemperatureC { get; init; } = 87;

    /// <summary>Power drawn while idle, W.</summary>
    public double IdleWatts { get; init; } = 70;

    /// <summary>
    /// The framebuffer the driver reports, MiB (nvidia-smi's total, dcgm's <c>FB_USED + FB_FREE + FB_RESERVED</c>): not
    /// the datasheet's decimal gigabytes (an H100's 80 GB reads 81,559 MiB, not 76,293). A generation the catalogue
    /// does not know takes its gigabytes as GiB, as NVIDIA's marketed sizes roughly are (an A100 80GB reads 81,920 MiB).
    /// </summary>
    public double FramebufferMiB { get; init; } = Math.Floor(HbmBytes / 1e9 * 1024);
}
