using System.ComponentModel.DataAnnotations;
using OrleansCluster.Model.Telemetry;

namespace OrleansCluster.Silo.Telemetry;

/// <summary>
/// The <c>Telemetry:Dcgm</c> section: the workload labels dcgm-exporter adds to every per-GPU series when it runs
/// beside a scheduler. <c>Kubernetes</c> adds what its pod mapping adds (<c>container</c>, <c>namespace</c>,
/// <c>pod</c>, <c>pod_uid</c>) plus the <c>node</c> name label that Kubernetes scrape configurations attach;
/// <c>Slurm</c> adds what its HPC job mapping adds (<c>hpc_job</c>). The series themselves are switched on by
/// <c>Telemetry:Dcgm=true</c>, or by <c>Enabled</c> here where the section also carries these keys (a JSON file cannot
/// give <c>Dcgm</c> a value and keys at once).
/// </summary>
public sealed class DcgmOptions
{
    private const string DnsLabel = "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$";

    /// <summary>Emit the dcgm-exporter-compatible series (the same as <c>Telemetry:Dcgm=true</c>).</summary>
    public bool Enabled { get; set; }

    /// <summary>Add the pod, namespace and container of the training job's pod on each GPU.</summary>
    public bool Kubernetes { get; set; }

    /// <summary>The namespace the training job runs in.</summary>
    [RegularExpression(DnsLabel, ErrorMessage = "Telemetry:Dcgm:Namespace must be a DNS label (lower-case letters, digits, '-')")]
    public string Namespace { get; set; } = "training";

    /// <summary>The JobSet's name: pods are named <c>{JobName}-{site}-0-{index}</c>, one replicated job per site.</summary>
    [RegularExpression(DnsLabel, ErrorMessage = "Telemetry:Dcgm:JobName must be a DNS label (lower-case letters, digits, '-')")]
    public string JobName { get; set; } = "train";

    /// <summary>The training container's name in each pod.</summary>
    [RegularExpression(DnsLabel, ErrorMessage = "Telemetry:Dcgm:Container must be a DNS label (lower-case letters, digits, '-')")]
    public string Container { get; set; } = "trainer";

    /// <summary>
    /// The time constant, seconds, with which each GPU's temperature (<c>DCGM_FI_DEV_GPU_TEMP</c>,
    /// <c>DCGM_FI_DEV_MEMORY_TEMP</c>) follows its power, over the wall time between scrapes (<see cref="ThermalLag"/>;
    /// default 20). 0: the model's steady temperature at once.
    /// </summary>
    [Range(0, 3600, ErrorMessage = "Telemetry:Dcgm:ThermalTimeConstantSeconds must be between 0 and 3600")]
    public double ThermalTimeConstantSeconds { get; set; } = ThermalLag.DefaultTimeConstantSeconds;

    /// <summary>Add <c>hpc_job</c>, the Slurm job id holding every GPU.</summary>
    public bool Slurm { get; set; }

    /// <summary>The Slurm job id.</summary>
    [RegularExpression("^[0-9]{1,10}$", ErrorMessage = "Telemetry:Dcgm:SlurmJobId must be a number")]
    public string SlurmJobId { get; set; } = "4242";
}
