using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization.Serializers;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Faults;

namespace OrleansCluster.Grains.Tests.Faults;

/// <summary>
/// What each write of the fault registry's live record costs, which bounds the admin API's rate (every injection and
/// clear writes it before it answers): found by profiling a silo under `orleanscluster api`, which had fallen from
/// about 1,100 calls/s to about 200.
/// </summary>
[Collection(FlakyStorageTests.Name)]
public sealed class RegistryWriteCostTests(FlakyStorageFixture fixture)
{
    private IFaultRegistryGrain Registry => fixture.Client.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key);

    [Fact]
    public async Task EveryCollectionAStoredFaultCarriesIsOfATypeOrleansHasACodecFor()
    {
        // A list Orleans has no codec for (the compiler's own type behind a collection expression such as
        // [target.Node]) is written through a search for a codec, by reflection, at every write: 22 % of the
        // silo's CPU under the admin API's load.
        await fixture.LoadUniformAsync(site: "wc");
        var codecs = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<ICodecProvider>();
        var written = new ConcurrentQueue<FaultRegistryState>();
        fixture.Storage.Wrote = (name, state) =>
        {
            if (name == SimulationStorage.FaultRegistryState && state is FaultRegistryState live)
            {
                written.Enqueue(live.Copy());
            }
        };
        try
        {
            FaultRequest[] requests =
            [
                FlakyStorageFixture.Slowdown("wc-00001"),
                new("node.slowdown", new FaultTargetRequest(Site: "wc", Count: 3), new Dictionary<string, double> { ["factor"] = 2 }),
                new("site.power-cap", new FaultTargetRequest(Site: "wc"), new Dictionary<string, double> { ["ratio"] = 0.5 }),
            ];
            var made = await Registry.InjectAsync(requests, campaign: null);
            Assert.Empty(made.Errors);
            Assert.NotNull(await Registry.ClearAsync(made.Faults[0].Id)); // into the journal the live record carries
        }
        finally
        {
            fixture.Storage.Wrote = null;
        }

        var faults = written.SelectMany(s => s.Faults.Concat(s.Ending)).ToList();
        Assert.Contains(faults, f => f.Target.Node == "wc-00001");
        foreach (var fault in faults)
        {
            object[] collections = [fault.Targets.Nodes, fault.Targets.Links, fault.Targets.Sites, fault.Params];
            Assert.All(collections, c => Assert.True(
                codecs.TryGetCodec(c.GetType()) is not null,
                $"fault {fault.Id} ({fault.Kind}) carries a {c.GetType()}, which Orleans has no codec for"));
        }
    }

    [Fact]
    public async Task AfterManyEndsTheLiveRecordStopsCarryingThemOnceTheHistoryHoldsThem()
    {
        // Every live write carries the ends the history may not hold yet; written a second later, a second of clears
        // (hundreds under load) rode on every write. From 32 the history is written at once.
        await fixture.LoadUniformAsync(site: "wj");
        var made = await Registry.InjectAsync([.. Enumerable.Range(0, 32).Select(i => FlakyStorageFixture.Slowdown($"wj-{i:D5}"))], campaign: null);
        Assert.Equal(32, made.Faults.Count);
        var journals = new ConcurrentQueue<int>();
        fixture.Storage.Wrote = (name, state) =>
        {
            if (name == SimulationStorage.FaultRegistryState && state is FaultRegistryState live)
            {
                journals.Enqueue(live.Ending.Count);
            }
        };
        try
        {
            Assert.Equal(32, await Registry.ClearAllAsync());
            for (var i = 0; i < 20; i++)
            {
                var fault = Assert.Single((await Registry.InjectAsync([FlakyStorageFixture.Slowdown("wj-00000")], campaign: null)).Faults);
                Assert.NotNull(await Registry.ClearAsync(fault.Id));
            }
        }
        finally
        {
            fixture.Storage.Wrote = null;
        }

        // The clear of all writes its own 32 ends, and the next call or two may be taken before the history's write;
        // a second later (the old way) some 40 writes had carried them.
        var carrying = journals.Count(n => n >= 32);
        Assert.InRange(carrying, 1, 4);
    }
}
