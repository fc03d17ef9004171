using System.ComponentModel.DataAnnotations;

namespace OrleansCluster.Grains.Telemetry;

/// <summary>The <c>Telemetry</c> configuration section: opt-in high-cardinality series, and the bound on the per-site ones.</summary>
public sealed class TelemetryOptions
{
    /// <summary>The default of <see cref="MaxSites"/>.</summary>
    public const int DefaultMaxSites = 64;

    /// <summary>The default of <see cref="DcgmMaxGpus"/>: the docs' advice, about 130,000 dcgm series (26 a GPU).</summary>
    public const int DefaultDcgmMaxGpus = 5_000;

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

    /// <summary>
    /// The most GPUs a silo writes dcgm series for (<see cref="Dcgm"/>): a silo hosting more writes whole nodes, lowest
    /// in the scenario's order first, up to this many GPUs, and counts the rest in <c>gpusim_dcgm_gpus_omitted</c>.
    /// Found by probing: 2,496 nodes made a 119 MB page (2.5 s a scrape); colossus would make about 2.7 GB.
    /// </summary>
    [Range(1, 1_000_000)]
    public int DcgmMaxGpus { get; set; } = DefaultDcgmMaxGpus;
}
