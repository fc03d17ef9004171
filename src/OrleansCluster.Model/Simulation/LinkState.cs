namespace OrleansCluster.Model.Simulation;

/// <summary>A link's figures at one step.</summary>
public readonly record struct LinkState(
    string LinkId,
    bool Up,
    double LatencySeconds,
    double BandwidthBytesPerSecond,
    double PacketLossRatio,
    double NominalLatencySeconds,
    double NominalBandwidthBytesPerSecond);
