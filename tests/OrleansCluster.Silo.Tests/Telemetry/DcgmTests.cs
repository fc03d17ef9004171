using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OrleansCluster.Model.Scenarios;
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

        // Crashed: XID 79 on one of its GPUs, off the bus (no clock, no power); the other seven healthy and idle, the job's
        // ranks on them gone with the node (found by a probe: all eight read the XID, where a real fault hits one card).
        var faulty = Regex.Matches(page, "^DCGM_FI_DEV_XID_ERRORS\\{gpu=\"(\\d)\"[^}]*Hostname=\"east-00001\"[^}]*err_code=\"79\",err_msg=\"GPU has fallen off the bus\"\\} 79$", RegexOptions.Multiline);
        var down = Assert.Single(faulty).Groups[1].Value;
        Assert.Equal(7, Regex.Count(page, "^DCGM_FI_DEV_XID_ERRORS\\{[^}]*Hostname=\"east-00001\"[^}]*err_code=\"0\",err_msg=\"No Error\"\\} 0$", RegexOptions.Multiline));
        Assert.All(Values(page, "DCGM_FI_DEV_GPU_UTIL", "east-00001"), u => Assert.Equal(0, u.Value));
        Assert.All(Values(page, "DCGM_FI_DEV_POWER_USAGE", "east-00001"), w => Assert.Equal(w.Gpu == down ? 0 : 75, w.Value)); // idle H200s: their idle power, no spread under it
        Assert.All(Values(page, "DCGM_FI_DEV_SM_CLOCK", "east-00001"), c => Assert.True(c.Gpu == down ? c.Value == 0 : c.Value > 300, $"GPU {c.Gpu}: {c.Value} MHz"));
        // A healthy node's GPUs read a little apart (temperature, power), around the node's figures: panels do not overlay.
        var temperatures = Values(page, "DCGM_FI_DEV_GPU_TEMP", "east-00003").Select(t => t.Value).ToArray();
        var powers = Values(page, "DCGM_FI_DEV_POWER_USAGE", "east-00003").Select(w => w.Value).ToArray();
        Assert.Equal(4, temperatures.Max() - temperatures.Min());
        Assert.Equal(8, powers.Distinct().Count());
        Assert.InRange(powers.Max() - powers.Min(), 2, 25);
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
        Assert.Equal(Value(first, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "east-00001", down), Value(page, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "east-00001", down));
    }

    [Fact]
    public async Task ACrashedGpuReportsTheXidOfItsCauseWithNvidiasTextAndAPlainCrashReports79()
    {
        // small with two background causes that crash a node and stay (no repair within the test): HBM3 memory (XID
        // 48) and the GPU system processor (XID 119), each about once every 140 simulated seconds (3 wall seconds at
        // x50); and a plain injected crash, which names no XID.
        using var client = _factory.CreateAdminClient();
        var (status, body, _) = await client.SendJsonAsync(HttpMethod.Put, "/api/scenario", SmallWithXidCauses());
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        await client.PostJsonAsync("/api/faults", """{"kind":"node.crash","target":{"node":"east-00001"}}""");

        // NVIDIA's texts (XID Errors table, as dcgm-exporter prints them), written out here rather than read from the model.
        var messages = new Dictionary<int, string> { [48] = "Double Bit ECC Error", [79] = "GPU has fallen off the bus", [119] = "GSP RPC Timeout" };
        var shown = new SortedSet<int>();
        var last = string.Empty;
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (shown.Count < 3 && DateTime.UtcNow < deadline)
        {
            // A node downed by one crash alone shows that crash's XID on one of its eight GPUs, the others none, once its
            // block has taken the effect (a step or so): read until one node per cause does.
            var crashes = (await client.GetJsonAsync("/api/faults")).EnumerateArray()
                .Where(f => f.GetProperty("kind").GetString() == "node.crash")
                .GroupBy(f => f.GetProperty("targets").GetProperty("nodes")[0].GetString()!)
                .Where(g => g.Count() == 1)
                .ToDictionary(g => g.Key, g => g.Single().TryGetProperty("xid", out var x) && x.ValueKind == JsonValueKind.Number ? x.GetInt32() : 79);
            var page = await client.GetStringAsync("/metrics", AdminClient.Ct);
            var xids = XidSeries().Matches(page).Select(m => (Host: m.Groups["host"].Value, Code: m.Groups["code"].Value, Message: m.Groups["msg"].Value, Value: m.Groups["value"].Value)).ToArray();
            Assert.All(xids, x => Assert.Contains(x.Value, (string[])["0", "48", "79", "119"]));
            Assert.All(xids, x => Assert.Equal(x.Value, x.Code));
            foreach (var (node, xid) in crashes)
            {
                var gpus = xids.Where(x => x.Host == node).ToArray();
                var code = xid.ToString(CultureInfo.InvariantCulture);
                if (gpus.Length == 8 && gpus.Count(g => g.Value == code && g.Message == messages[xid]) == 1 && gpus.Count(g => g.Value == "0" && g.Message == "No Error") == 7)
                {
                    shown.Add(xid);
                }
            }

            last = string.Join("; ", crashes.Take(6).Select(c => $"{c.Key} xid {c.Value}: {string.Join(",", xids.Where(x => x.Host == c.Key).Select(x => $"{x.Value} {x.Message}").Distinct())}"));
            await Task.Delay(250, AdminClient.Ct);
        }

        Assert.True(shown.SetEquals([48, 79, 119]), $"shown {string.Join(",", shown)}; last read: {last}");
    }

    [Fact]
    public async Task AnHbmDoubleBitEccErrorRemapsARowOfItsGpuForGood()
    {
        // Found by a probe: after XID 48 (a double-bit ECC error in HBM) a real A100 or later spares the row and counts it
        // in DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS; the series read 0 whatever happened. One row per error, on the GPU
        // that reported it (no repair within the test: its XID stays), none on the node's other GPUs.
        using var client = _factory.CreateAdminClient();
        var (status, body, _) = await client.SendJsonAsync(HttpMethod.Put, "/api/scenario", SmallWithXidCauses());
        Assert.True(status == HttpStatusCode.OK, body.ToString());

        var checkedEcc = false;
        var last = string.Empty;
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (!checkedEcc && DateTime.UtcNow < deadline)
        {
            var page = await client.GetStringAsync("/metrics", AdminClient.Ct);
            var xids = XidSeries().Matches(page).Select(m => (Host: m.Groups["host"].Value, Gpu: m.Groups["gpu"].Value, Value: m.Groups["value"].Value)).ToArray();
            var remapped = RemappedRows().Matches(page).ToDictionary(m => (m.Groups["host"].Value, m.Groups["gpu"].Value), m => m.Groups["value"].Value);
            Assert.Equal(2_624, remapped.Count);
            foreach (var ecc in xids.Where(x => x.Value == "48"))
            {
                Assert.Equal("1", remapped[(ecc.Host, ecc.Gpu)]);
                Assert.All(remapped.Where(r => r.Key.Item1 == ecc.Host && r.Key.Item2 != ecc.Gpu), r => Assert.Equal("0", r.Value));
                checkedEcc = true;
            }

            last = string.Join("; ", xids.Where(x => x.Value != "0").Take(6).Select(x => $"{x.Host} GPU {x.Gpu}: {x.Value}"));
            await Task.Delay(250, AdminClient.Ct);
        }

        Assert.True(checkedEcc, $"no XID 48 shown; last read: {last}");
    }

    // The small preset with two crash causes that name their XID, repaired after the test is long over.
    private static string SmallWithXidCauses()
    {
        ScenarioPresets.TryGetJson("small", out var json);
        var scenario = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!.AsObject();
        JsonObject Cause(string name, int xid) => new()
        {
            ["name"] = name, ["ratePerGpuHour"] = 0.01, ["kind"] = "node.crash", ["xid"] = xid,
            ["repair"] = new JsonObject { ["medianSeconds"] = 1e7, ["cv"] = 0 },
        };
        scenario["failures"] = new JsonObject { ["causes"] = new JsonArray(Cause("gpu-hbm3", 48), Cause("gpu-system-processor", 119)) };
        return scenario.ToJsonString();
    }

    private static double Value(string page, string name, string node, string gpu = "0")
    {
        var match = Regex.Match(page, $"^{name}\\{{gpu=\"{gpu}\",[^}}]*Hostname=\"{node}\"[^}}]*\\}} (\\S+)$", RegexOptions.Multiline);
        Assert.True(match.Success, $"{name} for GPU {gpu} of {node} not found");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    // The series of each GPU of the node: its index and value.
    private static (string Gpu, double Value)[] Values(string page, string name, string node)
    {
        var values = Regex.Matches(page, $"^{name}\\{{gpu=\"(\\d)\",[^}}]*Hostname=\"{node}\"[^}}]*\\}} (\\S+)$", RegexOptions.Multiline)
            .Select(m => (m.Groups[1].Value, double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture))).ToArray();
        Assert.Equal(8, values.Length);
        return values;
    }

    [GeneratedRegex("^DCGM_FI_DEV_XID_ERRORS\\{gpu=\"(?<gpu>\\d)\"[^}]*Hostname=\"(?<host>[^\"]+)\"[^}]*err_code=\"(?<code>\\d+)\",err_msg=\"(?<msg>[^\"]*)\"[^}]*\\} (?<value>\\S+)$", RegexOptions.Multiline)]
    private static partial Regex XidSeries();

    [GeneratedRegex("^DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS\\{gpu=\"(?<gpu>\\d)\"[^}]*Hostname=\"(?<host>[^\"]+)\"[^}]*\\} (?<value>\\S+)$", RegexOptions.Multiline)]
    private static partial Regex RemappedRows();

    [GeneratedRegex("^gpu=\"[0-7]\",UUID=\"GPU-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\",pci_bus_id=\"00000000:[0-9A-F]{2}:00\\.0\",device=\"nvidia[0-7]\",modelName=\"NVIDIA [^\"]+\",Hostname=\"(west|east)-\\d{5}\",DCGM_FI_DRIVER_VERSION=\"[0-9.]+\"(,err_code=\"\\d+\",err_msg=\"[^\"]+\")?$")]
    private static partial Regex LabelsInOrder();
}
