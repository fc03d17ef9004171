using Microsoft.Extensions.Time.Testing;
using OrleansCluster.Model.Faults;

namespace OrleansCluster.Model.Tests.Faults;

public sealed class FaultScheduleTests
{
    private static readonly Dictionary<string, double> Slowdown = new() { ["factor"] = 2 };
    private static readonly Dictionary<string, double> Flap = new() { ["periodSeconds"] = 10 };

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero));

    [Fact]
    public void ASteadyFaultActsFromItsStartUntilItsEndAndSaysWhenItChanges()
    {
        var injected = _clock.GetUtcNow();
        var schedule = FaultSchedule.For(FaultKind.NodeSlowdown, Slowdown, injected.AddSeconds(5), injected.AddSeconds(35));

        Assert.IsType<SteadySchedule>(schedule);
        Assert.False(schedule.IsActive(_clock.GetUtcNow()));
        Assert.Null(schedule.ActingAt(_clock.GetUtcNow()));
        Assert.Equal(injected.AddSeconds(5), schedule.NextChangeAfter(_clock.GetUtcNow()));

        _clock.Advance(TimeSpan.FromSeconds(5));
        Assert.True(schedule.ChangedBetween(injected, _clock.GetUtcNow()));
        Assert.Equal(new ActiveFault(FaultKind.NodeSlowdown, Slowdown, StartsAt: injected.AddSeconds(5)), schedule.ActingAt(_clock.GetUtcNow()));
        Assert.Equal(injected.AddSeconds(35), schedule.NextChangeAfter(_clock.GetUtcNow()));

        var before = _clock.GetUtcNow();
        _clock.Advance(TimeSpan.FromSeconds(29));
        Assert.False(schedule.ChangedBetween(before, _clock.GetUtcNow()));
        Assert.False(schedule.HasExpired(_clock.GetUtcNow()));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(schedule.HasExpired(_clock.GetUtcNow()));
        Assert.Null(schedule.NextChangeAfter(_clock.GetUtcNow()));
    }

    [Fact]
    public void AFaultWithoutADurationNeverExpires()
    {
        var schedule = FaultSchedule.For(FaultKind.LinkPartition, new Dictionary<string, double>(), _clock.GetUtcNow(), endsAt: null);

        _clock.Advance(TimeSpan.FromDays(400));

        Assert.True(schedule.IsActive(_clock.GetUtcNow()));
        Assert.False(schedule.HasExpired(_clock.GetUtcNow()));
        Assert.Null(schedule.NextChangeAfter(_clock.GetUtcNow()));
    }

    [Fact]
    public void AFlapIsDownForAPeriodThenUpForAPeriodDownFirstAndChangesOnlyAtPeriodEnds()
    {
        var start = _clock.GetUtcNow();
        var schedule = FaultSchedule.For(FaultKind.NodeFlap, Flap, start, start.AddSeconds(45));
        Assert.IsType<FlapSchedule>(schedule);

        bool Down(double seconds) => schedule.ActingAt(start.AddSeconds(seconds))!.FlapDown;
        Assert.True(Down(0));
        Assert.True(Down(9.999));
        Assert.False(Down(10));
        Assert.False(Down(19.5));
        Assert.True(Down(20));
        Assert.True(Down(44.9));
        Assert.Null(schedule.ActingAt(start.AddSeconds(45)));

        Assert.False(schedule.ChangedBetween(start.AddSeconds(1), start.AddSeconds(9)));
        Assert.True(schedule.ChangedBetween(start.AddSeconds(9), start.AddSeconds(11)));
        Assert.False(schedule.ChangedBetween(start.AddSeconds(9), start.AddSeconds(21))); // down again: acts the same
        Assert.Equal(start.AddSeconds(10), schedule.NextChangeAfter(start.AddSeconds(3)));
        Assert.Equal(start.AddSeconds(40), schedule.NextChangeAfter(start.AddSeconds(30)));
        Assert.Equal(start.AddSeconds(45), schedule.NextChangeAfter(start.AddSeconds(41)));
    }
}
