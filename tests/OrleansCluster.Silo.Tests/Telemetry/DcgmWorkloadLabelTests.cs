using System.Text.RegularExpressions;
using OrleansCluster.Silo.Tests.Api;

namespace OrleansCluster.Silo.Tests.Telemetry;

/// <summary>
/// dcgm mode with the workload labels of a Kubernetes pod mapping and a Slurm job mapping: the attributes
/// dcgm-exporter appends, in its order (sorted by name), one pod per node, and no new series as the job steps.
/// </summary>
public sealed partial class DcgmWorkloadLabelTests : IAsyncLifetime
{
    private readonly SiloFactory _factory = new()
    {
        Pace = "realtime",
        Settings = new Dictionary<string, string>
        {
            ["Simulation:Speed"] = "50",
            ["Telemetry:Dcgm"] = "true",
            ["Telemetry:Dcgm:Kubernetes"] = "true",
            ["Telemetry:Dcgm:Namespace"] = "ml-research",
            ["Telemetry:Dcgm:Slurm"] = "true",
            ["Telemetry:Dcgm:SlurmJobId"] = "777",
        },
    };

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task EveryGpuSeriesEndsWithItsPodsLabelsInDcgmExportersOrder()
    {
        using var client = _factory.CreateAdminClient();
        await client.WaitForClusterAsync(c => c.Step() >= 3, "a few steps");

        var page = await client.GetStringAsync("/metrics", AdminClient.Ct);

        var samples = Regex.Matches(page, "^DCGM_FI_\\w+\\{(.*)\\} \\S+$", RegexOptions.Multiline);
        Assert.Equal(2_624 * 26, samples.Count); // 328 nodes x 8 GPUs x 26 series
        foreach (Match sample in samples)
        {
            var labels = WorkloadLabels().Match(sample.Groups[1].Value);
            Assert.True(labels.Success, sample.Value);
            var (host, node, pod) = (labels.Groups["host"].Value, labels.Groups["node"].Value, labels.Groups["pod"].Value);
            Assert.Equal(host, node);
            Assert.Equal($"train-{host[..host.IndexOf('-', StringComparison.Ordinal)]}-0-{host[(host.IndexOf('-', StringComparison.Ordinal) + 1)..]}", pod);
        }

        var gpusPerPod = Regex.Matches(page, "^DCGM_FI_DEV_GPU_UTIL\\{[^}]*,pod=\"([^\"]+)\"", RegexOptions.Multiline)
            .GroupBy(m => m.Groups[1].Value).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(328, gpusPerPod.Count);
        Assert.All(gpusPerPod.Values, count => Assert.Equal(8, count));
        Assert.Single(Regex.Matches(page, "^DCGM_FI_DEV_GPU_UTIL\\{gpu=\"0\",[^}]*,pod=\"train-east-0-00007\",pod_uid=\"[^\"]+\"\\}", RegexOptions.Multiline));
    }

    [Fact]
    public async Task AFailedGpuKeepsItsPodsLabelsAndTheSeriesStayOnePerGpu()
    {
        using var client = _factory.CreateAdminClient();
        await client.WaitForClusterAsync(c => c.Step() >= 2, "a step");
        var before = SeriesKeys(await client.GetStringAsync("/metrics", AdminClient.Ct));

        await client.PostJsonAsync("/api/faults", """{"kind":"node.crash","target":{"node":"west-00004"}}""");
        var start = (await client.GetJsonAsync("/api/cluster")).Step();
        await client.WaitForClusterAsync(c => c.Step() >= start + 4, "steps with the node down");
        var page = await client.GetStringAsync("/metrics", AdminClient.Ct);

        // The pod still holds the GPU: a rule scoped to the job's namespace sees the XID that failed it, on the one GPU
        // the crash took down.
        Assert.Equal(1, Regex.Count(page, "^DCGM_FI_DEV_XID_ERRORS\\{[^}]*Hostname=\"west-00004\"[^}]*namespace=\"ml-research\",node=\"west-00004\",pod=\"train-west-0-00004\",[^}]*\\} 79$", RegexOptions.Multiline));
        Assert.Equal(before, SeriesKeys(page)); // the same series, steps and a crash later
    }

    // Every dcgm series as name and labels, without the value and the XID series' error labels (they follow its value).
    private static HashSet<string> SeriesKeys(string page) =>
        Regex.Matches(page, "^(DCGM_FI_\\w+\\{[^}]*\\})", RegexOptions.Multiline)
            .Select(m => Regex.Replace(m.Groups[1].Value, ",err_code=\"\\d+\",err_msg=\"[^\"]+\"", string.Empty))
            .ToHashSet();

    [GeneratedRegex("^gpu=\"[0-7]\",UUID=\"GPU-[0-9a-f-]{36}\",pci_bus_id=\"[^\"]+\",device=\"nvidia[0-7]\",modelName=\"NVIDIA [^\"]+\",Hostname=\"(?<host>(west|east)-\\d{5})\",DCGM_FI_DRIVER_VERSION=\"[0-9.]+\",container=\"trainer\",(err_code=\"\\d+\",err_msg=\"[^\"]+\",)?hpc_job=\"777\",namespace=\"ml-research\",node=\"(?<node>[^\"]+)\",pod=\"(?<pod>[^\"]+)\",pod_uid=\"[0-9a-f-]{36}\"$")]
    private static partial Regex WorkloadLabels();
}
