namespace OrleansCluster.Grains.Telemetry;

/// <summary>The <c>Telemetry</c> configuration section: opt-in high-cardinality series.</summary>
public sealed class TelemetryOptions
{
    /// <summary>Emit <c>gpusim_node_step_compute_seconds</c>, one series per node.</summary>
    public bool PerNode { get; set; }

    /// <summary>Emit dcgm-exporter-compatible per-GPU series.</summary>
    public bool Dcgm { get; set; }
}
