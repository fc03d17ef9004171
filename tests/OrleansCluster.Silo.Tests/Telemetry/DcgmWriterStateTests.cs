using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Telemetry;
using OrleansCluster.Model.Simulation;
using OrleansCluster.Model.Telemetry;
using OrleansCluster.Silo.Simulation;
using OrleansCluster.Silo.Telemetry;
using OrleansCluster.Silo.Tests.Api;

namespace OrleansCluster.Silo.Tests.Telemetry;

/// <summary>
/// What dcgm mode's writer keeps between scrapes, through a writer of its own on a real silo (the silo's layout,
/// options and grains; its own block registry, clock and job figures, as on a silo the job does not report to): the
/// job's last answer, and the rows a GPU's HBM errors spared as the fault registry counts them.
/// </summary>
public sealed partial class DcgmWriterStateTests
{
    internal const string Scenario = """
        {
          "name": "writer-state", "seed": 3,
          "job": { "flopsPerGpuPerStep": 4e14, "gradientBytes": 1e9, "barrierTimeoutSeconds": 100 },
          "sites": [ { "name": "a", "fabric": { "bandwidthGbps": 400 }, "nodes": [ { "generation": "H100", "count": 4 } ] } ]
        }
        """;

    [Fact]
    public async Task APausedJobsGpusStayIdleWhileTheJobIsOutOfReachAndASiloWithoutItsBlocksAsksNothing()
    {
        // Found by review: on a silo the job does not report to, a scrape that could not read the job's state read it as
        // running, so a paused job's GPUs flapped between 0 % and 98 %; and every scrape called the job, blocks or not.
        await using var factory = DcgmSilo();
        using var client = factory.CreateAdminClient();
        await MetricsPage.LoadAsync(client, Scenario);
        var entry = await WaitForEntryAsync(factory, "a-00001");
        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync("/api/job/pause")).Status);

        var grains = CountingGrains.Over(factory.Services.GetRequiredService<IGrainFactory>());
        var clock = new ManualClock();
        var nodes = new DcgmNodes();
        nodes.Register(ClusterLayout.BlockOf("a-00001", ClusterLayout.DefaultBlockSize)!, entry);
        using var writer = Writer(factory, nodes, grains.Factory, clock);

        Assert.Equal(0, Utilisation(await WriteAsync(writer), "a-00001"));
        Assert.Equal(1, grains.JobCalls);

        // The job out of reach: its last answer stands, for JobStateReuse.
        grains.Failing = true;
        clock.Advance(DcgmWriter.JobStateReuse - TimeSpan.FromSeconds(1));
        Assert.Equal(0, Utilisation(await WriteAsync(writer), "a-00001"));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.True(Utilisation(await WriteAsync(writer), "a-00001") > 90, "past the reuse, the last step's readings");

        // A silo with no block of the scenario shows no GPU and asks the job nothing.
        grains.Failing = false;
        var calls = grains.JobCalls;
        using var empty = Writer(factory, new DcgmNodes(), grains.Factory, clock);
        Assert.DoesNotContain("DCGM_FI_DEV_GPU_UTIL{", await WriteAsync(empty), StringComparison.Ordinal);
        Assert.Equal(calls, grains.JobCalls);
    }

    [Fact]
    public async Task ANodesRemappedRowsAreTheRegistrysCountOnEveryWriterThatShowsItAndNeverFallOnOne()
    {
        // Found by review (fix-dcgm): the count was each silo's own, kept as a scrape saw the XID turn to 48, so a silo
        // that started showing the node (restarted, or the node's block moved to it) forgot the repaired errors and
        // counted a crash still in force once more, from 0. Now the registry counts them in its durable record and tells
        // the block: one error repaired and one in force read 2 on the silo's page and on a writer that starts afresh.
        await using var factory = DcgmSilo();
        using var client = factory.CreateAdminClient();
        await MetricsPage.LoadAsync(client, Scenario);
        var entry = await WaitForEntryAsync(factory, "a-00001");
        var grains = factory.Services.GetRequiredService<IGrainFactory>();
        var registry = grains.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key);
        var epoch = await registry.EpochAsync();
        await registry.BackgroundAsync(epoch, 0, [Hbm("bg-w1", "a-00001", 0, repairSeconds: 1)]);
        await registry.BackgroundAsync(epoch, 2, [Hbm("bg-w2", "a-00001", 2, repairSeconds: 1e6)]); // the first repaired, the second in force
        var card = GpuSpread.FaultyGpu("a-00001", XidCatalog.DoubleBitEcc, 8).ToString(CultureInfo.InvariantCulture);

        var page = await MetricsPage.WaitForAsync(client, p => Rows(p, "a-00001", card) == 2, "two rows spared on the XID-48 card", line => line.Contains("REMAPPED", StringComparison.Ordinal));
        Assert.All(Enumerable.Range(0, 8).Where(g => g.ToString(CultureInfo.InvariantCulture) != card), g => Assert.Equal(0, Rows(page, "a-00001", g.ToString(CultureInfo.InvariantCulture))));
        Assert.Equal(0, Rows(page, "a-00002", card));

        // A silo that starts showing the node: a writer from nothing over the silo's blocks reads the same.
        var clock = new ManualClock();
        using var fresh = Writer(factory, factory.Services.GetRequiredService<DcgmNodes>(), grains, clock);
        Assert.Equal(2, Rows(await WriteAsync(fresh), "a-00001", card));

        // The node's block laid out anew reads 0 until the registry has told it: the writer keeps what it showed.
        var nodes = new DcgmNodes();
        nodes.Register(ClusterLayout.BlockOf("a-00001", ClusterLayout.DefaultBlockSize)!, entry with { Epoch = entry.Epoch + 1, RemappedRows = new int[entry.Nodes.Count] });
        using var relaid = Writer(factory, nodes, grains, clock);
        Assert.Equal(0, Rows(await WriteAsync(relaid), "a-00001", card)); // never told, never shown: 0
        nodes.Register(ClusterLayout.BlockOf("a-00001", ClusterLayout.DefaultBlockSize)!, entry with { Epoch = entry.Epoch + 1 });
        Assert.Equal(2, Rows(await WriteAsync(relaid), "a-00001", card));
        nodes.Register(ClusterLayout.BlockOf("a-00001", ClusterLayout.DefaultBlockSize)!, entry with { Epoch = entry.Epoch + 2, RemappedRows = new int[entry.Nodes.Count] });
        Assert.Equal(2, Rows(await WriteAsync(relaid), "a-00001", card));
    }

    [Fact]
    public async Task WhatTheWriterKeepsOfNodesNoLongerShownStaysWithinDcgmMaxGpus()
    {
        // Each GPU's counters and temperatures are kept while its node is off the page (AbsentNodeRetention), so that they
        // go on when it comes back; bounded too by DcgmMaxGpus of absent GPUs, the longest absent forgotten first (found by
        // review, fix-dcgm: only the five minutes bounded them, whatever number of nodes moved through a silo meanwhile).
        await using var factory = DcgmSilo(maxGpus: 8);
        using var client = factory.CreateAdminClient();
        await MetricsPage.LoadAsync(client, Scenario);
        var entry = await WaitForEntryAsync(factory, "a-00001");
        var clock = new ManualClock();
        var nodes = new DcgmNodes();
        using var writer = Writer(factory, nodes, factory.Services.GetRequiredService<IGrainFactory>(), clock);
        async Task<double> ShowAsync(string node)
        {
            // The node alone on the page (one node's eight GPUs: DcgmMaxGpus), ten seconds after the last page.
            var i = entry.Nodes.ToList().IndexOf(node);
            nodes.Register("only", new DcgmNodes.Entry(entry.Scenario, entry.Epoch, [node], [entry.Busy[i]], [NodeEffect.None], [false], [0]));
            clock.Advance(TimeSpan.FromSeconds(10));
            var match = Regex.Match(await WriteAsync(writer), $"^DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION\\{{gpu=\"0\",[^}}]*Hostname=\"{node}\"[^}}]*\\}} (\\S+)$", RegexOptions.Multiline);
            Assert.True(match.Success, $"no energy for {node}");
            return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        await ShowAsync("a-00001");
        var first = await ShowAsync("a-00001");
        await ShowAsync("a-00002");
        var second = await ShowAsync("a-00002");
        Assert.True(first > 0 && second > 0, $"energy {first} and {second} mJ");
        await ShowAsync("a-00003"); // two nodes off the page, 16 GPUs: the longest absent goes
        Assert.Equal(second, await ShowAsync("a-00002")); // kept: back from an absence, it goes on from where it was
        Assert.Equal(0, await ShowAsync("a-00001")); // forgotten: from 0
    }

    // A double-bit ECC error on the node, as the job hands the registry a background failure of the gpu-hbm3 cause.
    private static BackgroundFault Hbm(string id, string node, double startSeconds, double repairSeconds) =>
        new(id, "gpu-hbm3", FaultKind.NodeCrash, new FaultTargetRequest(Node: node), new Dictionary<string, double>(), startSeconds, repairSeconds, Xid: XidCatalog.DoubleBitEcc);

    internal static SiloFactory DcgmSilo(int maxGpus = TelemetryOptions.DefaultDcgmMaxGpus) => new()
    {
        Pace = "max",
        Settings = new Dictionary<string, string> { ["Telemetry:Dcgm"] = "true", ["Telemetry:DcgmMaxGpus"] = maxGpus.ToString(CultureInfo.InvariantCulture) },
    };

    internal static DcgmWriter Writer(SiloFactory factory, DcgmNodes nodes, IGrainFactory grains, TimeProvider clock) =>
        new(nodes, factory.Services.GetRequiredService<LayoutCache>(), new SimulationMetrics(), grains, factory.Services.GetRequiredService<IOptions<DcgmOptions>>(),
            factory.Services.GetRequiredService<IOptions<TelemetryOptions>>(), factory.Services.GetRequiredService<ILogger<DcgmWriter>>(), clock);

    // The silo's block entry for a node once it has a busy share (a step computed).
    internal static async Task<DcgmNodes.Entry> WaitForEntryAsync(SiloFactory factory, string node)
    {
        var registry = factory.Services.GetRequiredService<DcgmNodes>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (registry.Snapshot().FirstOrDefault(e => e.Nodes.Contains(node)) is { } entry && entry.Busy[entry.Nodes.ToList().IndexOf(node)] > 0)
            {
                return entry;
            }

            await Task.Delay(100, AdminClient.Ct);
        }

        throw new TimeoutException($"no block entry with a busy share for {node}");
    }

    internal static async Task<string> WriteAsync(DcgmWriter writer)
    {
        var output = new StringBuilder();
        await writer.WriteAsync(output, AdminClient.Ct);
        return output.ToString();
    }

    // The mean GPU_UTIL of a node's GPUs.
    private static double Utilisation(string page, string node) =>
        Regex.Matches(page, $"^DCGM_FI_DEV_GPU_UTIL\\{{[^}}]*Hostname=\"{node}\"[^}}]*\\}} (\\S+)$", RegexOptions.Multiline)
            .Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).DefaultIfEmpty(double.NaN).Average();

    private static double Rows(string page, string node, string gpu)
    {
        var match = Regex.Match(page, $"^DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS\\{{gpu=\"{gpu}\",[^}}]*Hostname=\"{node}\"[^}}]*\\}} (\\S+)$", RegexOptions.Multiline);
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : double.NaN;
    }

    // The silo's grain factory, counting the writer's calls for the job's grain and failing them on demand (as a job out
    // of reach: moving, or its silo gone).
    public class CountingGrains : DispatchProxy
    {
        private IGrainFactory _inner = null!;
        private int _jobCalls;

        public int JobCalls => Volatile.Read(ref _jobCalls);

        public bool Failing { get; set; }

        public static CountingGrains Over(IGrainFactory inner)
        {
            var proxy = Create<IGrainFactory, CountingGrains>();
            var counting = (CountingGrains)(object)proxy;
            counting._inner = inner;
            return counting;
        }

        public IGrainFactory Factory => (IGrainFactory)(object)this;

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            if (targetMethod.IsGenericMethod && targetMethod.GetGenericArguments()[0] == typeof(IJobGrain))
            {
                Interlocked.Increment(ref _jobCalls);
                if (Failing)
                {
                    throw new TimeoutException("the job is out of reach");
                }
            }

            return targetMethod.Invoke(_inner, args); // the writer's GetGrain, which throws nothing
        }
    }

    // A clock the test moves.
    internal sealed class ManualClock : TimeProvider
    {
        private long _ticks = TimeSpan.TicksPerDay;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Read(ref _ticks);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }
}
