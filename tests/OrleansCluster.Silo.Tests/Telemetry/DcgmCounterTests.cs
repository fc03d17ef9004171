using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansCluster.Grains.Telemetry;
using OrleansCluster.Model.Simulation;
using OrleansCluster.Silo.Simulation;
using OrleansCluster.Silo.Telemetry;
using OrleansCluster.Silo.Tests.Api;

namespace OrleansCluster.Silo.Tests.Telemetry;

/// <summary>
/// dcgm mode's counters and cards as a real fleet's: a node's "since boot" counters never go backwards on a silo
/// that runs on while its block is laid out again, a power-capped GPU draws no more than its cap, and a GPU's UUID
/// belongs to its card (node, index and model).
/// </summary>
public sealed partial class DcgmCounterTests
{
    // counters: site a of A100s, site b of H100s (a's straggle: busy 1; b's wait in the collective).
    private const string Counters = """
        {
          "name": "counters", "seed": 3,
          "job": { "flopsPerGpuPerStep": 4e14, "gradientBytes": 1e9, "barrierTimeoutSeconds": 100 },
          "sites": [
            { "name": "a", "fabric": { "bandwidthGbps": 400 }, "nodes": [ { "generation": "A100", "count": 6 } ] },
            { "name": "b", "fabric": { "bandwidthGbps": 400 }, "nodes": [ { "generation": "H100", "count": 6 } ] }
          ],
          "links": [ { "from": "a", "to": "b", "distanceKm": 20, "bandwidthGbps": 400 } ]
        }
        """;

    [Fact]
    public async Task ANodeMissingFromAScrapeKeepsItsEnergyAndNvLinkCountersWhenItComesBack()
    {
        // Found by probing: after a kill -9 of the other silo, 19 of the survivor's 20 nodes' energy read 0 again
        // (east-00003 gpu 0: 6,039,343 -> 0) while the survivor ran on. The tree was laid out again, a scrape missed
        // the nodes for a moment, and the writer forgot their counters at once.
        await using var factory = DcgmSilo();
        using var client = factory.CreateAdminClient();
        await LoadAsync(client, Counters);
        var before = await WaitForPageAsync(client, page => Host(page, "a-00002") && Value(page, "DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL", "a-00002") > 0, "a-00002's counters under way");
        var energy = Value(before, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "a-00002");
        var nvlink = Value(before, "DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL", "a-00002");
        Assert.True(energy > 0, $"energy {energy}");

        // a's block leaves the silo's registry for a scrape (as while the tree is laid out again), then comes back.
        var nodes = factory.Services.GetRequiredService<DcgmNodes>();
        var block = ClusterLayout.BlockOf("a-00002", ClusterLayout.DefaultBlockSize)!;
        var entry = nodes.Snapshot().Single(e => e.Nodes.Contains("a-00002"));
        nodes.Unregister(block);
        var without = await client.GetStringAsync("/metrics", AdminClient.Ct);
        nodes.Register(block, entry);
        var after = await client.GetStringAsync("/metrics", AdminClient.Ct);

        Assert.False(Host(without, "a-"), "a's GPUs were shown while their block was gone");
        Assert.True(Host(without, "b-00002"), "b's GPUs left the page with a's block");
        Assert.True(Value(after, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "a-00002") >= energy, $"energy went from {energy} to {Value(after, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "a-00002")}");
        Assert.True(Value(after, "DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL", "a-00002") >= nvlink, $"NVLink traffic went from {nvlink} to {Value(after, "DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL", "a-00002")}");
    }

    [Fact]
    public async Task ANodeAbsentForLongerThanTheRetentionIsForgottenAndStartsAfresh()
    {
        // The writer's own clock, so that five minutes pass at once; its nodes, layout and options are the silo's.
        await using var factory = DcgmSilo();
        using var client = factory.CreateAdminClient();
        await LoadAsync(client, Counters);
        await WaitForPageAsync(client, page => Host(page, "a-00002") && Value(page, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "a-00002") > 0, "a-00002's counters under way");
        var nodes = factory.Services.GetRequiredService<DcgmNodes>();
        var clock = new ManualClock();
        using var writer = new DcgmWriter(nodes, factory.Services.GetRequiredService<LayoutCache>(), factory.Services.GetRequiredService<SimulationMetrics>(), factory.Services.GetRequiredService<IGrainFactory>(), factory.Services.GetRequiredService<IOptions<DcgmOptions>>(), factory.Services.GetRequiredService<IOptions<TelemetryOptions>>(), factory.Services.GetRequiredService<ILogger<DcgmWriter>>(), clock);
        var block = ClusterLayout.BlockOf("a-00002", ClusterLayout.DefaultBlockSize)!;
        var entry = nodes.Snapshot().Single(e => e.Nodes.Contains("a-00002"));

        await WriteAsync(writer);
        clock.Advance(TimeSpan.FromSeconds(10));
        var energy = Value(await WriteAsync(writer), "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "a-00002");
        Assert.True(energy > 0, $"energy {energy}");

        // Away for just under the retention: kept.
        nodes.Unregister(block);
        Assert.False(Host(await WriteAsync(writer), "a-"));
        clock.Advance(DcgmWriter.AbsentNodeRetention - TimeSpan.FromSeconds(1));
        Assert.False(Host(await WriteAsync(writer), "a-"));
        nodes.Register(block, entry);
        var kept = Value(await WriteAsync(writer), "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "a-00002");
        Assert.True(kept == energy, $"energy went from {energy} to {kept}: kept, and its absence not counted");

        // Away for longer: forgotten, so the state kept stays bounded; back, it counts afresh.
        nodes.Unregister(block);
        await WriteAsync(writer);
        clock.Advance(DcgmWriter.AbsentNodeRetention + TimeSpan.FromSeconds(1));
        await WriteAsync(writer);
        nodes.Register(block, entry);
        Assert.Equal(0, Value(await WriteAsync(writer), "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "a-00002"));
    }

    [Fact]
    public async Task APowerCappedSitesGpusDrawNoMoreThanTheirCapAndRunBelowTheirSlowdownTemperature()
    {
        // Found by probing: a site.power-cap of 0.3 read 153.5 W on A100s (cap 120 W) and 218 W on H100s (cap 210 W),
        // at 87 C, so the DcgmGpuHot rule fired for a power cap. The limit reaches the block in the node's effect
        // (NodeEffect.PowerLimitRatio, which the fault registry sets from FaultEffects.PowerLimitRatio).
        await using var factory = DcgmSilo();
        using var client = factory.CreateAdminClient();
        await LoadAsync(client, Counters);
        await WaitForPageAsync(client, page => Host(page, "a-00005") && Host(page, "b-00005"), "counters' GPUs");
        foreach (var site in (string[])["a", "b"])
        {
            var (status, body, _) = await client.PostJsonAsync("/api/faults", $$$"""{"kind":"site.power-cap","target":{"site":"{{{site}}}"},"params":{"ratio":0.3}}""");
            Assert.True(status == HttpStatusCode.Created, body.ToString());
        }

        // Every node's block has taken the cap once its SM clock reads under its maximum: the cap holds 0.3^(1/3) of it
        // while a GPU computes (its draw would pass the cap), and binds no longer while an H100 spins in the collective
        // (196 W at its full clock, under its 210 W cap), where an A100's spin (128 W) still passes its 120 W.
        var h100Clock = Math.Round(1980 * Math.Cbrt(0.3));
        var page = await WaitForPageAsync(
            client,
            page => Enumerable.Range(0, 6).All(i => Value(page, "DCGM_FI_DEV_SM_CLOCK", $"a-{i:D5}") < 1410 && Value(page, "DCGM_FI_DEV_SM_CLOCK", $"b-{i:D5}") < 1980),
            "the caps on every node");
        // The H100s wait in the collective for most of a step, at their full clock there (found by a probe: the cap held
        // the lower clock all step, even while the GPU drew far under it).
        Assert.All(Enumerable.Range(0, 6), i => Assert.InRange(Value(page, "DCGM_FI_DEV_SM_CLOCK", $"b-{i:D5}"), ((h100Clock + 1980) / 2) + 1, 1979));

        foreach (var (site, cap) in ((string, double)[])[("a", 0.3 * 400), ("b", 0.3 * 700)])
        {
            var power = Samples(page, "DCGM_FI_DEV_POWER_USAGE", site);
            Assert.Equal(48, power.Length); // 6 nodes x 8 GPUs
            Assert.All(power, w => Assert.True(w <= cap, $"site {site}: {w} W over its {cap} W cap"));
            Assert.All(Samples(page, "DCGM_FI_DEV_GPU_TEMP", site), c => Assert.True(c < 87, $"site {site}: {c} C under a cap alone"));
        }

        Assert.Equal(120, Value(page, "DCGM_FI_DEV_POWER_USAGE", "a-00000")); // the straggling A100s draw their cap
    }

    [Fact]
    public async Task AGpusUuidBelongsToItsCardSoAnotherModelOnTheNodeIsAnotherUuid()
    {
        // Found by probing: after a scenario switch east-00000 went from H200 to B200 and kept its UUID.
        await using var factory = DcgmSilo();
        using var client = factory.CreateAdminClient();
        await LoadAsync(client, Counters);
        var first = await WaitForPageAsync(client, page => Host(page, "a-00000"), "a-00000's GPUs");
        await LoadAsync(client, Counters.Replace("\"A100\"", "\"H200\"", StringComparison.Ordinal));
        var second = await WaitForPageAsync(client, page => page.Contains("modelName=\"NVIDIA H200\",Hostname=\"a-00000\"", StringComparison.Ordinal), "a-00000's H200s");

        var a100 = Uuid(first, "a-00000");
        var h200 = Uuid(second, "a-00000");

        Assert.NotEqual(a100, h200);
        Assert.Equal(Uuid(first, "b-00000"), Uuid(second, "b-00000")); // b's H100s are the same cards
    }

    private static SiloFactory DcgmSilo() => new()
    {
        Pace = "max",
        Settings = new Dictionary<string, string> { ["Telemetry:Dcgm"] = "true" },
    };

    private static async Task<string> WriteAsync(DcgmWriter writer)
    {
        var output = new StringBuilder();
        await writer.WriteAsync(output, AdminClient.Ct);
        return output.ToString();
    }

    private static Task LoadAsync(HttpClient client, string scenario) => MetricsPage.LoadAsync(client, scenario);

    private static Task<string> WaitForPageAsync(HttpClient client, Func<string, bool> condition, string what) =>
        MetricsPage.WaitForAsync(client, condition, what, l => l.StartsWith("DCGM_FI_DEV_SM_CLOCK{gpu=\"0\"", StringComparison.Ordinal) || l.StartsWith("DCGM_FI_DEV_POWER_USAGE{gpu=\"0\"", StringComparison.Ordinal), 30);

    private static bool Host(string page, string prefix) => MetricsPage.HasHost(page, prefix);

    // GPU 0's sample of a node, or NaN when the node has none.
    private static double Value(string page, string name, string node)
    {
        var match = Regex.Match(page, $"^{name}\\{{gpu=\"0\",[^}}]*Hostname=\"{node}\"[^}}]*\\}} (\\S+)$", RegexOptions.Multiline);
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : double.NaN;
    }

    // Every GPU's sample of a site's nodes.
    private static double[] Samples(string page, string name, string site) =>
        Regex.Matches(page, $"^{name}\\{{[^}}]*Hostname=\"{site}-\\d+\"[^}}]*\\}} (\\S+)$", RegexOptions.Multiline)
            .Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToArray();

    private static string Uuid(string page, string node)
    {
        var match = Regex.Match(page, $"^DCGM_FI_DEV_SM_CLOCK\\{{gpu=\"0\",UUID=\"([^\"]+)\",[^}}]*Hostname=\"{node}\"", RegexOptions.Multiline);
        Assert.True(match.Success, $"no UUID for {node}");
        return match.Groups[1].Value;
    }

    // A clock the test moves: the writer's counters integrate and age by it.
    private sealed class ManualClock : TimeProvider
    {
        private long _ticks = TimeSpan.TicksPerDay;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Read(ref _ticks);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }
}
