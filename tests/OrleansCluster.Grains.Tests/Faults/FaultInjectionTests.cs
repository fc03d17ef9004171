using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Faults;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Tests.Faults;

/// <summary>An injection's decisions without a silo: numbering, counting, and the idempotency key's replay or refusal.</summary>
public sealed class FaultInjectionTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);
    private readonly ClusterLayout _layout = new(ScenarioLoader.Parse(Scenarios.TwoSites()));
    private readonly FaultLimits _limits = new();

    private FaultRequest Slow(int node = 0) => new("node.slowdown", new FaultTargetRequest(Node: _layout.Nodes[node].Id), new Dictionary<string, double> { ["factor"] = 2 });

    [Fact]
    public void MadeFaultsAreNumberedFromTheNextIdCountedByKindAndTheKeyRemembered()
    {
        var state = new FaultRegistryState { NextId = 7, InjectedByKind = { ["node.slowdown"] = 1 } };
        var plan = FaultInjection.Admit([Slow(0), Slow(1)], "c1", "key-1", state, new FaultBook(), [], _layout, _limits, Now);
        Assert.Null(plan.Answer);
        Assert.Equal(7, state.NextId); // deciding changes nothing

        var made = FaultInjection.Make(plan, state, Now);

        Assert.Equal(["f-000007", "f-000008"], made.Select(f => f.Id));
        Assert.All(made, f => Assert.Equal("c1", f.Campaign));
        Assert.Equal(9, state.NextId);
        Assert.Equal(3, state.InjectedByKind["node.slowdown"]);
        var record = Assert.Single(state.Idempotency);
        Assert.Equal(("key-1", 7L, 2, Now), (record.Key, record.FirstId, record.Count, record.At));
    }

    [Fact]
    public void TheSameRequestUnderItsKeyIsReplayedAsItsFaultsStandAndAnotherIsRefused()
    {
        var state = new FaultRegistryState();
        var book = new FaultBook();
        var made = FaultInjection.Make(FaultInjection.Admit([Slow()], null, "key-1", state, book, [], _layout, _limits, Now), state, Now);
        made.ForEach(book.Add);

        var later = Now.AddSeconds(5);
        var replay = FaultInjection.Admit([Slow()], null, "key-1", state, book, [], _layout, _limits, later).Answer!;
        var other = FaultInjection.Admit([Slow(1)], null, "key-1", state, book, [], _layout, _limits, later).Answer!;

        Assert.True(replay.Replayed);
        Assert.Equal(made[0].Id, Assert.Single(replay.Faults).Id);
        Assert.Equal(FaultState.Active, replay.Faults[0].State);
        Assert.Equal(InjectionRefusal.IdempotencyKeyReused, other.Refusal);
        Assert.Equal("Idempotency-Key", Assert.Single(other.Errors).Field);
        Assert.Equal(2, state.NextId); // neither made anything
    }

    [Fact]
    public void ARefusedRequestIsAnsweredBeforeAnythingIsMade()
    {
        var state = new FaultRegistryState();

        var plan = FaultInjection.Admit([Slow()], null, idempotencyKey: null, state, new FaultBook(), [], layout: null, _limits, Now);

        Assert.Equal(InjectionRefusal.NoScenario, plan.Answer!.Refusal);
        Assert.Empty(plan.Checked);
    }
}
