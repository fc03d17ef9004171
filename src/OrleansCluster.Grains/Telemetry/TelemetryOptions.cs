using System.ComponentModel.DataAnnotations;

namespace OrleansCluster.Grains.Telemetry;

/// <summary>The <c>Telemetry</c> configuration section: opt-in high-cardinality series, and the bound on the per-site ones.</summary>
public sealed class TelemetryOptions
{
    /// <summary>The default of <see cref="MaxSites"/>.</summary>
    public const int DefaultMaxSites = 64;

    /// <summary>Emit <c>gpusim_node_step_compute_seconds</c>, one series per node.</summary>
    public bool PerNode { get; set; }

    /// <summary>Emit dcgm-exporter-compatible per-GPU series.</summary>
    public bool Dcgm { get; set; }

    /// <summary>
    /// The most sites <c>/metrics</c> writes per-site series for (the node histograms, <c>gpusim_nodes</c>, the links):
    /// a scenario with more writes its first <see cref="MaxSites"/> sites (in its order) and folds the rest into
    /// <c>site="other"</c> (<see cref="SiteFold"/>). Found by probing: 5,000 sites of one node made a 240 MB page.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxSites { get; set; } = DefaultMaxSites;
}
