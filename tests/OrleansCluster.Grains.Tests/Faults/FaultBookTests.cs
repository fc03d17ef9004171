using Microsoft.Extensions.Time.Testing;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Faults;

namespace OrleansCluster.Grains.Tests.Faults;

/// <summary>The registry's bookkeeping without a silo: the live faults and what each target is told, under a fake clock.</summary>
public sealed class FaultBookTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero));

    private Fault Make(string id, string kind, string[] nodes, string[] links, Dictionary<string, double> parameters, double startIn = 0, double? duration = null)
    {
        var now = _clock.GetUtcNow();
        var startsAt = now.AddSeconds(startIn);
        return new Fault(id, Enum.GetValues<FaultKind>().Single(k => k.ApiName == kind), new FaultTargetRequest(), parameters, startIn, duration, FaultState.Active, now, startsAt,
            duration is { } d ? startsAt.AddSeconds(d) : null, new FaultTargets(nodes, links, []), null);
    }

    [Fact]
    public void AFaultWhoseEndHasPassedStandsExpiredNotPending()
    {
        // Found by probing: a 1e-9 s fault answered its 201 "pending", its end already behind it.
        var brief = Make("f1", "node.slowdown", ["a-00001"], [], new() { ["factor"] = 2 }, duration: 1e-9);
        var delayed = Make("f2", "node.slowdown", ["a-00001"], [], new() { ["factor"] = 2 }, startIn: 5, duration: 1);
        var now = _clock.GetUtcNow();

        Assert.Equal(FaultState.Expired, FaultBook.AsOf(brief, now.AddMilliseconds(1)).State);
        Assert.Equal(FaultState.Pending, FaultBook.AsOf(delayed, now).State);
        Assert.Equal(FaultState.Active, FaultBook.AsOf(delayed, now.AddSeconds(5.5)).State);
        Assert.Equal(FaultState.Expired, FaultBook.AsOf(delayed, now.AddSeconds(6)).State);
    }

    [Fact]
    public void EffectsArePushedOnlyWhenTheyChangeAndEndWhenTheFaultExpires()
    {
        var book = new FaultBook();
        var pushed = new PushedEffects();
        book.Add(Make("f-1", "node.slowdown", ["a-1", "a-2"], [], new() { ["factor"] = 2 }, duration: 30));
        book.Add(Make("f-2", "node.slowdown", ["a-2"], [], new() { ["factor"] = 3 }, startIn: 10));

        var first = pushed.Plan(book, null, null, _clock.GetUtcNow());
        Assert.Equal(["a-1", "a-2"], first.Select(p => p.Target).Order());
        Assert.All(first, p => Assert.Equal(2, p.Node!.Slowdown));
        Assert.Empty(pushed.Plan(book, null, null, _clock.GetUtcNow())); // nothing changed: nothing to tell
        Assert.Equal(_clock.GetUtcNow().AddSeconds(10), book.NextChangeAfter(_clock.GetUtcNow()));

        var before = _clock.GetUtcNow();
        _clock.Advance(TimeSpan.FromSeconds(10));
        var started = book.ChangedBetween(before, _clock.GetUtcNow()).ToArray();
        Assert.Equal("f-2", Assert.Single(started).Id);
        var second = Assert.Single(pushed.Plan(book, started.SelectMany(f => f.Targets.Nodes), [], _clock.GetUtcNow()));
        Assert.Equal(("a-2", 6.0), (second.Target, second.Node!.Slowdown)); // slowdowns multiply

        _clock.Advance(TimeSpan.FromSeconds(20));
        var expired = book.Expire(_clock.GetUtcNow());
        Assert.Equal("f-1", Assert.Single(expired).Id);
        var third = pushed.Plan(book, expired.SelectMany(f => f.Targets.Nodes), [], _clock.GetUtcNow());
        Assert.Equal([("a-1", 1.0), ("a-2", 3.0)], third.Select(p => (p.Target, p.Node!.Slowdown)).OrderBy(t => t.Target));
        Assert.Equal(["a-2"], pushed.Nodes.Keys); // a node back to no effect is no longer listed
    }

    [Fact]
    public void ACrashedNodeIsToldTheXidOfTheCrashThatStartedLastAndToldAgainWhenItChanges()
    {
        var book = new FaultBook();
        var pushed = new PushedEffects();
        book.Add(Make("plain", "node.crash", ["a-1"], [], []));
        book.Add(Make("hbm3", "node.crash", ["a-2"], [], []) with { Xid = 48 });
        book.Add(Make("gsp", "node.crash", ["a-2"], [], [], startIn: 10, duration: 20) with { Xid = 119 });

        var first = pushed.Plan(book, null, null, _clock.GetUtcNow()).ToDictionary(p => p.Target, p => p.Node!);
        Assert.Equal(new NodeEffect(1, true, 1, 79), first["a-1"]); // an injected crash names no XID: fallen off the bus
        Assert.Equal(new NodeEffect(1, true, 1, 48), first["a-2"]);

        // A second crash on a-2 later: its XID is the last the GPUs reported; when it is repaired, the first shows again.
        _clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(119, Assert.Single(pushed.Plan(book, ["a-2"], [], _clock.GetUtcNow())).Node!.Xid);
        _clock.Advance(TimeSpan.FromSeconds(20));
        book.Expire(_clock.GetUtcNow());
        Assert.Equal(48, Assert.Single(pushed.Plan(book, ["a-2"], [], _clock.GetUtcNow())).Node!.Xid);
    }

    [Fact]
    public void AFailedPushIsMadeAgainAtTheNextPassEvenWhenNothingChanged()
    {
        var book = new FaultBook();
        var pushed = new PushedEffects();
        book.Add(Make("f-1", "link.latency", [], ["x-y"], new() { ["addMilliseconds"] = 4, ["jitterMilliseconds"] = 0 }));
        var push = Assert.Single(pushed.Plan(book, null, null, _clock.GetUtcNow()));
        Assert.Equal(0.004, push.Link!.Value.ExtraLatencySeconds, 12);

        pushed.Failed(push);

        Assert.True(pushed.RetryDue);
        Assert.Equal(push, Assert.Single(pushed.Plan(book, [], [], _clock.GetUtcNow())));
        Assert.False(pushed.RetryDue);
        Assert.Empty(pushed.Plan(book, [], [], _clock.GetUtcNow()));
    }

    [Fact]
    public void AFlapTellsItsNodeDownAndUpAtEachPeriod()
    {
        var book = new FaultBook();
        var pushed = new PushedEffects();
        book.Add(Make("f-1", "node.flap", ["a-1"], [], new() { ["periodSeconds"] = 5 }));

        Assert.True(Assert.Single(pushed.Plan(book, null, null, _clock.GetUtcNow())).Node!.Crashed);
        var last = _clock.GetUtcNow();
        _clock.Advance(TimeSpan.FromSeconds(5));
        var changed = book.ChangedBetween(last, _clock.GetUtcNow()).SelectMany(f => f.Targets.Nodes);
        Assert.False(Assert.Single(pushed.Plan(book, changed, [], _clock.GetUtcNow())).Node!.Crashed);
        Assert.Equal(_clock.GetUtcNow().AddSeconds(5), book.NextChangeAfter(_clock.GetUtcNow()));
    }
}
