namespace OrleansCluster.Model.Scenarios;

// The scenario file as written (camelCase JSON, the file's own units). Every member is nullable so that
// validation, not the deserializer, decides what is missing and names the field.
// Members mirror the JSON fields one to one; DESIGN.md section 2 documents them.
#pragma warning disable CA1002, CA2227, CS1591 // plain data-transfer shapes for System.Text.Json

/// <summary>The JSON shape of a scenario file (DESIGN.md section 2).</summary>
public sealed class ScenarioDocument
{
    public string? Name { get; set; }
    public ulong? Seed { get; set; }
    public JobDocument? Job { get; set; }
    public List<SiteDocument?>? Sites { get; set; }
    public List<LinkDocument?>? Links { get; set; }
    public NoiseDocument? Noise { get; set; }
    public StragglersDocument? Stragglers { get; set; }
    public List<GenerationDocument?>? Generations { get; set; }
    public EconomicsDocument? Economics { get; set; }
    public FailuresDocument? Failures { get; set; }
}

/// <summary><c>economics</c>: what the GPUs cost and what a site would earn leased (docs/economics.md).</summary>
public sealed class EconomicsDocument
{
    /// <summary>USD per GPU-hour by generation name.</summary>
    public Dictionary<string, double>? GpuHourPrices { get; set; }

    /// <summary>USD a month a site would earn leased out whole, by site name.</summary>
    public Dictionary<string, double>? LeaseRevenuePerMonth { get; set; }
}

/// <summary><c>job</c>.</summary>
public sealed class JobDocument
{
    public double? FlopsPerGpuPerStep { get; set; }
    public double? GradientBytes { get; set; }
    public double? Mfu { get; set; }
    public double? CommOverlap { get; set; }
    public double? BarrierTimeoutSeconds { get; set; }
    public int? CheckpointEverySteps { get; set; }
    public ModelDocument? Model { get; set; }
    public ParallelismDocument? Parallelism { get; set; }
    public CommDocument? Comm { get; set; }
    public double? RestartSeconds { get; set; }
    public double? CheckpointSeconds { get; set; }

    /// <summary><c>equal</c> (default) or <c>proportional</c>.</summary>
    public string? Balance { get; set; }
}

/// <summary><c>job.model</c> (DESIGN.md section 7.1).</summary>
public sealed class ModelDocument
{
    public double? Parameters { get; set; }
    public double? ActiveParameters { get; set; }
    public double? TokensPerStep { get; set; }
    public double? GradientBytesPerParameter { get; set; }
}

/// <summary><c>job.parallelism</c>.</summary>
public sealed class ParallelismDocument
{
    public int? Tensor { get; set; }
    public int? Pipeline { get; set; }
}

/// <summary><c>job.comm</c>.</summary>
public sealed class CommDocument
{
    public double? BucketMegabytes { get; set; }
    public int? InterSiteEverySteps { get; set; }
}

/// <summary><c>sites[i]</c>.</summary>
public sealed class SiteDocument
{
    public string? Name { get; set; }
    public FabricDocument? Fabric { get; set; }
    public int? GpusPerNode { get; set; }
    public List<NodeGroupDocument?>? Nodes { get; set; }
}

/// <summary><c>sites[i].fabric</c>.</summary>
public sealed class FabricDocument
{
    public double? BandwidthGbps { get; set; }
    public double? HopLatencyMicroseconds { get; set; }
}

/// <summary><c>sites[i].nodes[j]</c>.</summary>
public sealed class NodeGroupDocument
{
    public string? Generation { get; set; }
    public int? Count { get; set; }

    /// <summary>Optional: overrides the site's <c>gpusPerNode</c> for this group (a GB200 tray holds 4).</summary>
    public int? GpusPerNode { get; set; }
}

/// <summary><c>links[i]</c>.</summary>
public sealed class LinkDocument
{
    public string? Name { get; set; }
    public string? From { get; set; }
    public string? To { get; set; }
    public double? DistanceKm { get; set; }
    public double? RouteFactor { get; set; }
    public double? EquipmentLatencyMicroseconds { get; set; }
    public double? BandwidthGbps { get; set; }
    public double? MaxInFlightMegabytes { get; set; }
}

/// <summary><c>noise</c>.</summary>
public sealed class NoiseDocument
{
    public double? ComputeCv { get; set; }
    public double? LinkJitterMicroseconds { get; set; }
    public double? NodeCv { get; set; }
    public double? OutlierProbability { get; set; }
    public double? OutlierFactor { get; set; }
}

/// <summary><c>stragglers</c>.</summary>
public sealed class StragglersDocument
{
    public double? Threshold { get; set; }
    public int? TopK { get; set; }
}

/// <summary><c>generations[i]</c>: a catalogue row to add or override, in datasheet units.</summary>
public sealed class GenerationDocument
{
    public string? Name { get; set; }
    public double? PeakTflops { get; set; }
    public double? HbmGb { get; set; }
    public double? HbmTbps { get; set; }
    public double? NvlinkGBps { get; set; }
    public double? TdpWatts { get; set; }
}
