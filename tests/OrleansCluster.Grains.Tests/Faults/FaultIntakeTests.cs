using Microsoft.Extensions.Time.Testing;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Faults;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Tests.Faults;

/// <summary>The registry's pure parts around an injection: admission, counts, replay and ending by a rule, without a silo.</summary>
public sealed class FaultIntakeTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero));
    private readonly ClusterLayout _layout = new(ScenarioLoader.Parse(Scenarios.TwoSites()));

    private static FaultRequest Slow(string node) => new("node.slowdown", new FaultTargetRequest(Node: node), new Dictionary<string, double> { ["factor"] = 2 });

    private Fault Made(string id, FaultRequest request, double startIn = 0)
    {
        var (passed, errors, _) = FaultIntake.Check([request with { StartInSeconds = startIn }], alone: true, _layout);
        Assert.Empty(errors);
        return FaultIntake.Make(id, passed[0].Request, passed[0].Fault, _clock.GetUtcNow(), campaign: null);
    }

    [Fact]
    public void AnInjectionIsRefusedPastEitherLimitWithoutAScenarioOrForItsErrorsAndAdmittedOtherwise()
    {
        var limits = new FaultLimits { MaxFaultsPerCall = 2, MaxLiveFaults = 3 };
        var node = _layout.Nodes[0].Id;

        var perCall = FaultIntake.Admit([Slow(node), Slow(node), Slow(node)], "c", _layout, limits, live: 0).Refusal!;
        var noScenario = FaultIntake.Admit([Slow(node)], null, layout: null, limits, live: 0).Refusal!;
        var badKind = FaultIntake.Admit([Slow(node) with { Kind = "node.slow" }], null, _layout, limits, live: 0).Refusal!;
        var pastLive = FaultIntake.Admit([Slow(node), Slow(node)], "c", _layout, limits, live: 2).Refusal!;
        var (admitted, none) = FaultIntake.Admit([Slow(node), Slow(node)], "c", _layout, limits, live: 1);

        Assert.Equal((InjectionRefusal.None, "faults"), (perCall.Refusal, perCall.Errors[0].Field));
        Assert.Contains(FaultLimits.MaxFaultsPerCallSetting, perCall.Errors[0].Message, StringComparison.Ordinal);
        Assert.Equal((InjectionRefusal.NoScenario, "scenario"), (noScenario.Refusal, noScenario.Errors[0].Field));
        Assert.Equal("kind", Assert.Single(badKind.Errors).Field);
        Assert.Equal((InjectionRefusal.LiveFaultLimit, "faults"), (pastLive.Refusal, pastLive.Errors[0].Field));
        Assert.Null(none);
        Assert.Equal(2, admitted.Count);
    }

    [Fact]
    public void CountsHoldEveryKindAndEveryCauseOfTheScenarioFromTheStart()
    {
        var node = _layout.Nodes[0].Id;
        var state = new FaultRegistryState { InjectedByKind = { ["node.slowdown"] = 2 }, FailuresByCause = { ["xid-79"] = 1 } };
        Fault[] live = [Made("f-000001", Slow(node)), Made("f-000002", Slow(node), startIn: 60)];

        var counts = FaultTally.Counts(live, state, ["gpu-hw", "xid-79"], _clock.GetUtcNow());

        Assert.Equal(1, counts.Active["node.slowdown"]); // the other one is pending
        Assert.Equal(0, counts.Active["link.partition"]);
        Assert.Equal(2, counts.Injected["node.slowdown"]);
        Assert.Equal(new Dictionary<string, long> { ["gpu-hw"] = 0, ["xid-79"] = 1 }, counts.FailuresByCause);
    }

    [Fact]
    public void AReplayAnswersTheKeysFaultsLiveOrEndedAndLeavesOutOnesInNeither()
    {
        var node = _layout.Nodes[0].Id;
        var live = Made("f-000002", Slow(node));
        var ended = Made("f-000001", Slow(node)) with { State = FaultState.Cleared };
        var record = new IdempotencyRecord("k", "fp", FirstId: 1, Count: 3, _clock.GetUtcNow());

        var replayed = IdempotencyLog.Replay(record, id => id == live.Id ? live : null, [ended]);

        Assert.Equal([("f-000001", FaultState.Cleared), ("f-000002", FaultState.Active)], replayed.Select(f => (f.Id, f.State)));
    }

    [Fact]
    public void TheBookTakesOutTheFaultsItIsToldAndUnindexesThem()
    {
        var (a, b) = (_layout.Nodes[0].Id, _layout.Nodes[1].Id);
        var book = new FaultBook();
        book.Add(Made("f-000001", Slow(a)));
        book.Add(Made("f-000002", Slow(b)) with { Source = "background" });
        book.Add(Made("f-000003", Slow(a)));

        var removed = new[] { book.Remove("f-000001"), book.Remove("f-000003") };

        Assert.Equal(["f-000001", "f-000003"], removed.Select(f => f?.Id));
        Assert.Null(book.Remove("f-000001"));
        Assert.Equal("f-000002", Assert.Single(book.Faults).Id);
        Assert.Empty(book.OnNode(a));
        Assert.Equal([b], book.Nodes);
    }
}
