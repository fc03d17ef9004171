using OrleansCluster.Grains.Faults;

namespace OrleansCluster.Grains.Tests.Faults;

/// <summary>When the registry writes its history of ended faults, as arithmetic on the times given.</summary>
public sealed class HistoryScheduleTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void AWriteAlreadyDueSoonerIsNotPushedBackByLaterEnds()
    {
        var schedule = new HistorySchedule();

        Assert.Equal(HistorySchedule.Delay, schedule.Within(Start, HistorySchedule.Delay));
        // A steady stream of commits within the second: each would set it a second ahead again.
        Assert.Null(schedule.Within(Start.AddMilliseconds(300), HistorySchedule.Delay));
        Assert.Null(schedule.Within(Start.AddMilliseconds(900), HistorySchedule.Delay));
        // Sooner than it is set: it is brought forward.
        Assert.Equal(TimeSpan.Zero, schedule.Within(Start.AddMilliseconds(900), TimeSpan.Zero));
    }

    [Fact]
    public void OnceTheTimerHasRunTheNextEndSetsItAgain()
    {
        var schedule = new HistorySchedule();
        Assert.NotNull(schedule.Within(Start, HistorySchedule.Delay));

        schedule.Ran();

        Assert.Equal(HistorySchedule.Delay, schedule.Within(Start.AddSeconds(5), HistorySchedule.Delay));
    }

    [Fact]
    public void JournaledEndsCallForAWriteAtOnceOnlyOnceUntilOneLands()
    {
        var schedule = new HistorySchedule();

        Assert.False(schedule.FlushNow(HistorySchedule.JournalFlush - 1));
        Assert.True(schedule.FlushNow(HistorySchedule.JournalFlush));
        Assert.False(schedule.FlushNow(HistorySchedule.JournalFlush + 1)); // the write failed: retried a second later, not at every end

        schedule.Written();

        Assert.True(schedule.FlushNow(HistorySchedule.JournalFlush));
    }
}
