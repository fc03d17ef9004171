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
    double TdpWatts);
