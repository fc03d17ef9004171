namespace OrleansCluster.Model.Scenarios;

#pragma warning disable CA1002, CA2227, CS1591 // plain data-transfer shapes for System.Text.Json

/// <summary><c>failures</c> (DESIGN.md section 7.6): a shipped cause table by name, a scale, and causes replacing or extending it.</summary>
public sealed class FailuresDocument
{
    public string? Preset { get; set; }
    public double? Scale { get; set; }
    public List<FailureCauseDocument?>? Causes { get; set; }
}

/// <summary><c>failures.causes[i]</c>: one rate, per GPU-hour or per link-hour, with its fault and its repair time.</summary>
public sealed class FailureCauseDocument
{
    public string? Name { get; set; }
    public double? RatePerGpuHour { get; set; }
    public double? RatePerLinkHour { get; set; }
    public string? Kind { get; set; }
    public Dictionary<string, double>? Params { get; set; }
    public RepairDocument? Repair { get; set; }
    public int? Xid { get; set; }
}

/// <summary><c>failures.causes[i].repair</c>: log-normal with this median and CV; fixed when the CV is 0.</summary>
public sealed class RepairDocument
{
    public double? MedianSeconds { get; set; }
    public double? Cv { get; set; }
}
