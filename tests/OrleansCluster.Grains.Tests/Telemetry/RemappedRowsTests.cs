using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Faults;
using OrleansCluster.Grains.Telemetry;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Tests.Telemetry;

/// <summary>
/// The HBM rows a node's double-bit ECC errors (XID 48) spared, as the blocks hold them for dcgm mode's
/// <c>DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS</c>: the fault registry's count from its durable record, so that whichever
/// silo holds the node's block reads the same, after the block moved, after the registry came back from storage, and with
/// a crash in force counted once. Found by review (fix-dcgm): the count was the exporting silo's own memory, from 0 on a
/// silo that started showing the node, which counted a crash still in force once more and forgot the repaired ones.
/// </summary>
public sealed class RemappedRowsTests
{
    private static readonly string Json = Scenarios.Uniform(nodes: 400, computeCv: 0.05, checkpointEvery: 1000);

    [Fact]
    public async Task ANodesSparedRowsFollowItsBlockToAnotherSiloAndThroughTheRegistrysReloadAndStartAgainWithAnotherScenario()
    {
        await using var fixture = new DcgmClusterFixture();
        await fixture.InitializeAsync();
        var driver = new JobDriver(fixture.Client);
        var started = await driver.StartAtMaxPaceAsync(Json);
        await driver.Job.SetPaceAsync(PaceSettings.Realtime(5));
        var joiner = await fixture.Cluster.StartAdditionalSiloAsync();
        await fixture.Cluster.WaitForLivenessToStabilizeAsync();
        var spread = await driver.WaitForAsync(s => s.Job.Epoch > started.Job.Epoch && s.Job.Step >= 2);

        // Two nodes whose blocks the joiner holds: x with one XID-48 crash repaired and another in force, y with one repaired.
        var onJoiner = await WaitForAsync(() => Latest(joiner).Where(e => e.Epoch == spread.Job.Epoch).SelectMany(e => e.Nodes).ToArray(), n => n.Length >= 2, "the joiner's blocks");
        var (x, y) = (onJoiner[0], onJoiner[^1]);
        var registry = fixture.Client.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key);
        await BackgroundAsync(registry, 0, [Hbm("bg-x1", x, 0, repairSeconds: 1), Hbm("bg-y1", y, 0, repairSeconds: 1)]);
        await BackgroundAsync(registry, 2, [Hbm("bg-x2", x, 2, repairSeconds: 1e6)]); // repairs both first ones
        await WaitForRowsAsync(fixture, x, 2, "x's two errors on the joiner");
        await WaitForRowsAsync(fixture, y, 1, "y's one error on the joiner");
        Assert.Equal(joiner, Holder(fixture, x));
        Assert.DoesNotContain(Latest(fixture.Cluster.Silos[0]), e => e.Nodes.Contains(x));

        // The joiner leaves: its blocks are laid out afresh on the first silo, which never showed x or y. The registry
        // tells them again (y has no fault left: only its spared row makes it one to tell), and the crash in force counts once.
        await fixture.Cluster.StopSiloAsync(joiner, TestContext.Current.CancellationToken);
        var back = await driver.WaitForAsync(s => s.Job.Epoch > spread.Job.Epoch);
        await WaitForRowsAsync(fixture, x, 2, "x's rows on the silo that took its block", back.Job.Epoch);
        await WaitForRowsAsync(fixture, y, 1, "y's row on the silo that took its block", back.Job.Epoch);

        // The registry comes back from its stored record, then a silo joins and every block is laid out again.
        await fixture.DeactivateAsync(registry, "faultregistry");
        await registry.HealthAsync();
        await fixture.Cluster.StartAdditionalSiloAsync();
        await fixture.Cluster.WaitForLivenessToStabilizeAsync();
        var again = await driver.WaitForAsync(s => s.Job.Epoch > back.Job.Epoch && s.Job.Step > back.Job.Step);
        await WaitForRowsAsync(fixture, x, 2, "x's rows told by the registry read back", again.Job.Epoch);
        await WaitForRowsAsync(fixture, y, 1, "y's row told by the registry read back", again.Job.Epoch);

        // Another scenario is other machines: its rows start from 0, the crash it clears included, and its own error counts one.
        await driver.Job.StopAsync();
        await driver.StartAtMaxPaceAsync(Scenarios.Uniform(nodes: 400, computeCv: 0.02, checkpointEvery: 1000));
        await driver.Job.SetPaceAsync(PaceSettings.Realtime(5));
        var epoch = await BackgroundAsync(registry, 0, [Hbm("bg-x3", x, 0, repairSeconds: 1e6)]);
        var rows = await WaitForAsync(() => Rows(fixture, x, epoch), r => r > 0, "x's error in the other scenario");
        Assert.Equal(1, rows);
        Assert.Equal(0, Rows(fixture, y, epoch));
        await driver.Job.StopAsync();
    }

    // Hands the registry failures under its epoch now. Found flaky on CI: the tree was laid out again (the joiner's
    // arrival settling) between the epoch's read and the call, which the registry refuses (EpochMismatchException,
    // nothing changed): read again and retry until it takes them.
    private static async Task<long> BackgroundAsync(IFaultRegistryGrain registry, double seconds, IReadOnlyList<BackgroundFault> arrivals)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (true)
        {
            var epoch = await registry.EpochAsync();
            try
            {
                await registry.BackgroundAsync(epoch, seconds, arrivals);
                return epoch;
            }
            catch (EpochMismatchException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, TestContext.Current.CancellationToken);
            }
        }
    }

    // A double-bit ECC error on the node, as the job hands the registry a background failure of the gpu-hbm3 cause.
    private static BackgroundFault Hbm(string id, string node, double startSeconds, double repairSeconds) =>
        new(id, "gpu-hbm3", FaultKind.NodeCrash, new FaultTargetRequest(Node: node), new Dictionary<string, double>(), startSeconds, repairSeconds, Xid: 48);

    // The entries of the latest layout a silo's blocks registered for dcgm mode.
    private static IReadOnlyList<DcgmNodes.Entry> Latest(InProcessSiloHandle silo) => silo.ServiceProvider.GetRequiredService<DcgmNodes>().Snapshot();

    // The silo whose blocks of the latest layout hold the node.
    private static InProcessSiloHandle? Holder(DcgmClusterFixture fixture, string node, long? epoch = null) =>
        fixture.Cluster.Silos.Where(s => Latest(s).Any(e => e.Nodes.Contains(node) && (epoch is null || e.Epoch == epoch))).MaxBy(s => Latest(s).Max(e => e.Epoch));

    // The rows the node's block holds for it, on the silo that holds it under the layout (the latest when none is named); -1 when none does.
    private static int Rows(DcgmClusterFixture fixture, string node, long? epoch = null)
    {
        if (Holder(fixture, node, epoch) is not { } silo)
        {
            return -1;
        }

        var entry = Latest(silo).Where(e => e.Nodes.Contains(node) && (epoch is null || e.Epoch == epoch)).MaxBy(e => e.Epoch)!;
        return entry.RemappedRows[entry.Nodes.ToList().IndexOf(node)];
    }

    private static Task WaitForRowsAsync(DcgmClusterFixture fixture, string node, int rows, string what, long? epoch = null) =>
        Eventually.WaitForAsync(() => Rows(fixture, node, epoch) == rows, $"{what}: {rows}");

    private static async Task<T> WaitForAsync<T>(Func<T> read, Func<T, bool> condition, string what)
    {
        var value = read();
        await Eventually.WaitForAsync(() => condition(value = read()), what);
        return value;
    }

    /// <summary>One silo, more to come, with dcgm mode on so that the blocks register their nodes.</summary>
    private sealed class DcgmClusterFixture : ClusterFixture
    {
        protected override void ConfigureSilo(ISiloBuilder silo) => silo.Services.Configure<TelemetryOptions>(o => o.Dcgm = true);
    }
}
