using OrleansCluster.Model.Scenarios;

namespace OrleansCluster.Model.Simulation;

/// <summary>
/// A link's latency and effective bandwidth at a step (DESIGN.md section 1):
/// <c>L_j = distanceKm * 5 us/km * routeFactor + equipmentLatency + injected extra + jitter</c>, with
/// half-normal jitter seeded by (seed, link, step); bandwidth falls with an injected cap and with loss.
/// </summary>
public static class LinkModel
{
    /// <summary>
    /// Retransmission penalty k of the loss model: goodput = cap * (1 - p) / (1 + k p). A lossy RDMA link
    /// retransmits a whole window per lost packet (go-back-N), so 1 % loss costs about a third of the
    /// bandwidth, and 10 % almost all of it.
    /// </summary>
    public const double LossPenalty = 50;

    /// <summary>Effective bandwidth under a cap and a packet-loss ratio.</summary>
    public static double EffectiveBandwidth(double nominalBytesPerSecond, double capRatio, double lossRatio) =>
        nominalBytesPerSecond * capRatio * (1 - lossRatio) / (1 + (LossPenalty * lossRatio));

    /// <summary>
    /// <c>C_eff = min(C', window / (2 L))</c> (DESIGN.md 7.2): a link moves at most its in-flight window per round
    /// trip, so distance and slow equipment cost bandwidth as well as latency. An infinite window leaves C'.
    /// </summary>
    public static double WindowLimitedBandwidth(double bandwidthBytesPerSecond, double latencySeconds, double maxInFlightBytes) =>
        double.IsPositiveInfinity(maxInFlightBytes) || !(latencySeconds > 0)
            ? bandwidthBytesPerSecond
            : Math.Min(bandwidthBytesPerSecond, maxInFlightBytes / (2 * latencySeconds));

    /// <summary>The link's state at <paramref name="step"/> under <paramref name="effect"/>.</summary>
    public static LinkState At(LinkSpec link, LinkEffect effect, ulong seed, ulong linkStream, long step, double baseJitterSeconds)
    {
        ArgumentNullException.ThrowIfNull(link);
        var jitterScale = baseJitterSeconds + effect.ExtraJitterSeconds;
        var jitter = jitterScale > 0 ? Math.Abs(SeededNoise.StandardNormal(seed, linkStream, step)) * jitterScale : 0;
        var latency = link.NominalLatencySeconds + effect.ExtraLatencySeconds + jitter;
        var bandwidth = EffectiveBandwidth(link.BandwidthBytesPerSecond, effect.BandwidthRatio, effect.PacketLossRatio);
        return new LinkState(link.Id, effect.Up, latency, bandwidth, effect.PacketLossRatio, link.NominalLatencySeconds, link.BandwidthBytesPerSecond);
    }
}
