namespace OrleansCluster.Model.Simulation;

/// <summary>What the active faults do to a link. <see cref="None"/> is a healthy link.</summary>
/// <param name="ExtraLatencySeconds">Added to the latency (<c>link.latency</c>).</param>
/// <param name="ExtraJitterSeconds">Scale of extra half-normal jitter (<c>link.latency</c>).</param>
/// <param name="BandwidthRatio">Cap on bandwidth, (0, 1] (<c>link.bandwidth</c>).</param>
/// <param name="PacketLossRatio">Packet loss, [0, 1) (<c>link.packet-loss</c>).</param>
/// <param name="Up">False while partitioned (<c>link.partition</c>).</param>
public readonly record struct LinkEffect(double ExtraLatencySeconds, double ExtraJitterSeconds, double BandwidthRatio, double PacketLossRatio, bool Up)
{
    /// <summary>No fault.</summary>
    public static LinkEffect None { get; } = new(0, 0, 1, 0, true);
}
