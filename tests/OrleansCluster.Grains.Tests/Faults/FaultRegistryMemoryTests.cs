using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Faults;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Tests.Faults;

/// <summary>The registry's memory without a silo: a restore, a record read back, a new run, and the expire-and-plan half of a pass.</summary>
public sealed class FaultRegistryMemoryTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);
    private readonly ClusterLayout _layout = new(ScenarioLoader.Parse(Scenarios.TwoSites()));

    private Fault Slow(string id, int node, double factor = 2, double? startIn = null, double? duration = null)
    {
        var request = new FaultRequest("node.slowdown", new FaultTargetRequest(Node: _layout.Nodes[node].Id), new Dictionary<string, double> { ["factor"] = factor }, startIn, duration);
        var (passed, errors, _) = FaultIntake.Check([request], alone: true, _layout);
        Assert.Empty(errors);
        return FaultIntake.Make(id, passed[0].Request, passed[0].Fault, Now, campaign: null);
    }

    private string Node(int index) => _layout.Nodes[index].Id;

    private static (string Target, double Slowdown)[] Told(IEnumerable<PushedEffects.Push> pushes) =>
        pushes.Select(p => (p.Target, p.Node!.Slowdown)).OrderBy(t => t.Target, StringComparer.Ordinal).ToArray();

    // A whole pass at `now` that pushed what it planned; answers what it told.
    private static IReadOnlyList<PushedEffects.Push> PassAll(FaultRegistryMemory memory, DateTimeOffset now)
    {
        var pass = memory.Expire(now);
        var pushes = memory.Plan(pass, changed: null);
        memory.Pushed(pass);
        return pushes;
    }

    [Fact]
    public void ARestoreTellsEveryTargetItsEffectAgainThoseOfAFaultFoundEndedIncluded()
    {
        var memory = new FaultRegistryMemory();
        var ended = Slow("f-000002", 1);

        var restored = memory.Restore(_layout, [Slow("f-000001", 0), ended], [ended with { State = FaultState.Cleared }]);

        Assert.Same(_layout, memory.Layout);
        Assert.Equal(["f-000001"], memory.Book.Faults.Select(f => f.Id));
        Assert.Equal("f-000002", Assert.Single(restored, r => r.EndedAlready is not null).Id);

        // Nothing was pushed since the restore, and nothing changed: what is told comes from the targets to tell again,
        // which are every node and link of the layout (found by probing: a grain told an effect by a fault the record read
        // no longer lists kept it), not only those of the faults stored.
        var pushes = memory.Plan(memory.Expire(Now), changed: []);
        var nodes = pushes.Where(p => p.IsNode).ToArray();
        Assert.Equal(_layout.Nodes.Select(n => n.Id).Order(StringComparer.Ordinal), Told(nodes).Select(t => t.Target));
        Assert.Equal([(Node(0), 2.0)], Told(nodes).Where(t => t.Slowdown != NodeEffect.None.Slowdown));
        Assert.Equal(["a-b"], pushes.Where(p => !p.IsNode).Select(p => p.Target));
        Assert.All(pushes.Where(p => !p.IsNode), p => Assert.Equal(LinkEffect.None, p.Link));
    }

    [Fact]
    public void APassExpiresWhatRanItsTimeTellsItsTargetsAndOnlyAMissedPassTellsThemAgain()
    {
        var memory = new FaultRegistryMemory();
        memory.StartRun(_layout);
        memory.Add([Slow("f-1", 0, duration: 10), Slow("f-2", 1, factor: 3)]);
        Assert.Equal([(Node(0), 2.0), (Node(1), 3.0)], Told(PassAll(memory, Now)));

        var later = memory.Expire(Now.AddSeconds(10));
        Assert.Equal("f-1", Assert.Single(later.Expired).Id);
        Assert.Equal(FaultState.Expired, Assert.Single(later.Endings).State);
        Assert.Equal(["f-2"], memory.Book.Faults.Select(f => f.Id));
        Assert.Equal([(Node(0), NodeEffect.None.Slowdown)], Told(memory.Plan(later, changed: [])));
        Assert.Equal([Node(1)], memory.NodeEffects.Keys);

        // The pass failed after its plan (its write, say): the book no longer holds f-1, so its target is told again.
        memory.Missed(later);
        Assert.True(memory.RetryDue);
        var retry = memory.Expire(Now.AddSeconds(11));
        Assert.Empty(retry.Expired);
        Assert.Equal([(Node(0), NodeEffect.None.Slowdown)], Told(memory.Plan(retry, changed: [])));
        Assert.False(memory.RetryDue);
        Assert.Empty(memory.Plan(memory.Expire(Now.AddSeconds(12)), changed: []));
    }

    [Fact]
    public void APassRecomputesTheFaultsThatStartedSinceTheLastPassMade()
    {
        var memory = new FaultRegistryMemory();
        var delayed = Slow("f-1", 0, startIn: 5);
        memory.Add([delayed]);
        var before = memory.Expire(Now);
        Assert.Empty(memory.Plan(before, changed: [delayed])); // pending: nothing to tell yet
        memory.Pushed(before);

        Assert.Equal([(Node(0), 2.0)], Told(memory.Plan(memory.Expire(Now.AddSeconds(6)), changed: [])));
    }

    [Fact]
    public void ARecordReadBackKeepsWhatWasToldUnlessItIsANewRunAndRetiredFaultsLeaveTheBook()
    {
        var memory = new FaultRegistryMemory();
        var slow = Slow("f-1", 0);
        memory.Add([slow, Slow("f-2", 1)]);
        Assert.Equal(2, PassAll(memory, Now).Count);

        memory.Retire([slow with { State = FaultState.Cleared }]);
        Assert.Equal(["f-2"], memory.Book.Faults.Select(f => f.Id));

        memory.Forget(newRun: false);
        Assert.Empty(memory.Book.Faults);
        Assert.Equal([(Node(0), NodeEffect.None.Slowdown), (Node(1), NodeEffect.None.Slowdown)], Told(memory.Plan(memory.Expire(Now), changed: null)));

        memory.Add([Slow("f-3", 2)]);
        Assert.Single(PassAll(memory, Now));
        memory.Forget(newRun: true); // a new run's grains start it healthy: nothing to take back
        Assert.Empty(memory.Plan(memory.Expire(Now), changed: null));
        Assert.Empty(memory.NodeEffects);
    }
}
