using System.Globalization;
using System.Text.RegularExpressions;
using OrleansCluster.Silo.Tests.Api;

namespace OrleansCluster.Silo.Tests.Telemetry;

/// <summary>dcgm mode: per-GPU series named, typed, described and labelled as dcgm-exporter's, driven by the model.</summary>
public sealed partial class DcgmTests : IAsyncLifetime
{
    private static readonly string[] Gauges =
    [
        "DCGM_FI_DEV_SM_CLOCK", "DCGM_FI_DEV_MEM_CLOCK", "DCGM_FI_DEV_GPU_TEMP", "DCGM_FI_DEV_MEMORY_TEMP", "DCGM_FI_DEV_POWER_USAGE",
        "DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_DEV_MEM_COPY_UTIL", "DCGM_FI_DEV_FB_USED", "DCGM_FI_DEV_FB_FREE", "DCGM_FI_DEV_FB_RESERVED",
        "DCGM_FI_DEV_XID_ERRORS", "DCGM_FI_PROF_GR_ENGINE_ACTIVE", "DCGM_FI_PROF_SM_ACTIVE", "DCGM_FI_PROF_SM_OCCUPANCY", "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", "DCGM_FI_PROF_DRAM_ACTIVE",
        "DCGM_FI_PROF_PCIE_TX_BYTES", "DCGM_FI_PROF_PCIE_RX_BYTES",
    ];

    private static readonly string[] Counters = ["DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "DCGM_FI_DEV_PCIE_REPLAY_COUNTER", "DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL"];

    private readonly SiloFactory _factory = new()
    {
        Pace = "realtime",
        Settings = new Dictionary<string, string> { ["Simulation:Speed"] = "50", ["Telemetry:Dcgm"] = "true" },
    };

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task SeriesCarryDcgmExporterNamesTypesHelpAndLabelsInOrder()
    {
        using var client = _factory.CreateAdminClient();
        await client.WaitForClusterAsync(c => c.Step() >= 3, "a few steps");

        var page = await client.GetStringAsync("/metrics", AdminClient.Ct);

        Assert.Contains("# HELP DCGM_FI_DEV_SM_CLOCK SM clock frequency (in MHz).\n# TYPE DCGM_FI_DEV_SM_CLOCK gauge\n", page, StringComparison.Ordinal);
        Assert.Contains("# HELP DCGM_FI_DEV_XID_ERRORS Value of the last XID error encountered.\n", page, StringComparison.Ordinal);
        foreach (var (name, type) in Gauges.Select(g => (g, "gauge")).Concat(Counters.Select(c => (c, "counter"))))
        {
            Assert.Contains($"# TYPE {name} {type}\n", page, StringComparison.Ordinal);
            var samples = Regex.Matches(page, $"^{name}\\{{(.*)\\}} (\\S+)$", RegexOptions.Multiline);
            Assert.Equal(2_624, samples.Count); // 328 nodes x 8 GPUs
            Assert.All(samples, m => Assert.Matches(LabelsInOrder(), m.Groups[1].Value));
        }

        Assert.DoesNotContain("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION_total", page, StringComparison.Ordinal);
        var uuids = Regex.Matches(page, "^DCGM_FI_DEV_SM_CLOCK\\{gpu=\"\\d\",UUID=\"([^\"]+)\"", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(uuids.Length, uuids.Distinct().Count());
    }

    [Fact]
    public async Task GpuFiguresFollowTheModelAndTheFaults()
    {
        using var client = _factory.CreateAdminClient();
        await client.PostJsonAsync("/api/faults", """{"kind":"node.crash","target":{"node":"east-00001"}}""");
        await client.PostJsonAsync("/api/faults", """{"kind":"node.thermal-throttle","target":{"node":"east-00002"},"params":{"clockRatio":0.7}}""");
        var start = (await client.GetJsonAsync("/api/cluster")).Step();
        await client.WaitForClusterAsync(c => c.Step() >= start + 4, "steps under the faults");

        var first = await client.GetStringAsync("/metrics", AdminClient.Ct);
        await Task.Delay(500, AdminClient.Ct);
        var page = await client.GetStringAsync("/metrics", AdminClient.Ct);

        // Crashed: XID 79 on each of its GPUs, no utilisation, no power.
        Assert.Equal(8, Regex.Count(page, "^DCGM_FI_DEV_XID_ERRORS\\{[^}]*Hostname=\"east-00001\"[^}]*err_code=\"79\",err_msg=\"GPU has fallen off the bus\"\\} 79$", RegexOptions.Multiline));
        Assert.Equal(0, Value(page, "DCGM_FI_DEV_GPU_UTIL", "east-00001"));
        Assert.Equal(0, Value(page, "DCGM_FI_DEV_POWER_USAGE", "east-00001"));
        // Throttled H200: 70 % of its 1,980 MHz, at its slowdown temperature, hotter than a healthy H200.
        Assert.Equal(1386, Value(page, "DCGM_FI_DEV_SM_CLOCK", "east-00002"));
        Assert.Equal(87, Value(page, "DCGM_FI_DEV_GPU_TEMP", "east-00002"));
        Assert.True(Value(page, "DCGM_FI_DEV_GPU_TEMP", "east-00003") < 87);
        Assert.Equal(1980, Value(page, "DCGM_FI_DEV_SM_CLOCK", "east-00003"));
        // Waiting inside the all-reduce: a B200 (0.47 s of compute) spends most of a step set by the A100s (3.36 s of
        // a ~4.1 s step: small in model mode spends 0.73 s in all-reduce) in NCCL's spinning kernels. Utilisation says
        // busy for both, as on real fleets; the tensor pipe (0.8 x 0.98 x the compute share: about 0.64 for the
        // A100s, 75-86 % of the step with the 2 % compute noise, and 0.09 for the B200) and SM activity say who
        // worked, and the B200 draws far less of its power range than the straggling A100.
        Assert.InRange(Value(page, "DCGM_FI_DEV_GPU_UTIL", "west-00150"), 90, 100);
        Assert.InRange(Value(page, "DCGM_FI_DEV_GPU_UTIL", "east-00150"), 90, 100);
        Assert.InRange(Value(page, "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", "west-00150"), 0.5, 0.75);
        Assert.InRange(Value(page, "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", "east-00150"), 0.03, 0.2);
        Assert.True(Value(page, "DCGM_FI_PROF_SM_ACTIVE", "east-00150") < Value(page, "DCGM_FI_PROF_SM_ACTIVE", "west-00150"));
        Assert.True((Value(page, "DCGM_FI_DEV_POWER_USAGE", "east-00150") - 140) / (1000 - 140) < (Value(page, "DCGM_FI_DEV_POWER_USAGE", "west-00150") - 60) / (400 - 60));
        // Energy grows with power between scrapes.
        Assert.True(Value(page, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "west-00150") > Value(first, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "west-00150"));
        Assert.Equal(Value(first, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "east-00001"), Value(page, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "east-00001"));
    }

    private static double Value(string page, string name, string node)
    {
        var match = Regex.Match(page, $"^{name}\\{{gpu=\"0\",[^}}]*Hostname=\"{node}\"[^}}]*\\}} (\\S+)$", RegexOptions.Multiline);
        Assert.True(match.Success, $"{name} for {node} not found");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex("^gpu=\"[0-7]\",UUID=\"GPU-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\",pci_bus_id=\"00000000:[0-9A-F]{2}:00\\.0\",device=\"nvidia[0-7]\",modelName=\"NVIDIA [^\"]+\",Hostname=\"(west|east)-\\d{5}\",DCGM_FI_DRIVER_VERSION=\"[0-9.]+\"(,err_code=\"\\d+\",err_msg=\"[^\"]+\")?$")]
    private static partial Regex LabelsInOrder();
}
