using OrleansCluster.Grains.Faults;
using OrleansCluster.Grains.Job;

namespace OrleansCluster.Grains.Tests.Faults;

/// <summary>How long the registry's timer waits, as arithmetic on the times given.</summary>
public sealed class FaultWakeTests
{
    private static readonly DateTimeOffset End = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void NothingScheduledAndNothingToRetryWaitsForever() =>
        Assert.Equal(Timeout.InfiniteTimeSpan, FaultWake.Wait(next: null, End, retry: false));

    [Fact]
    public void ItWakesForTheNextChangeOrAtOnceWhenThatHasPassed()
    {
        Assert.Equal(TimeSpan.FromSeconds(30), FaultWake.Wait(End.AddSeconds(30), End, retry: false));
        Assert.Equal(TimeSpan.Zero, FaultWake.Wait(End.AddSeconds(-2), End, retry: false)); // a pass held up past it
    }

    [Fact]
    public void ARetryWakesItASecondAfterThePassUnlessTheNextChangeComesSooner()
    {
        Assert.Equal(FaultWake.RetryDelay, FaultWake.Wait(next: null, End, retry: true));
        Assert.Equal(FaultWake.RetryDelay, FaultWake.Wait(End.AddSeconds(30), End, retry: true));
        Assert.Equal(TimeSpan.FromMilliseconds(200), FaultWake.Wait(End.AddMilliseconds(200), End, retry: true));
    }

    [Fact]
    public void AChangeMonthsAwayIsWaitedForInStepsAGrainTimerTakes() =>
        // A grain timer refuses a wait over about 49.7 days; a fault may start 1e7 s (116 days) away.
        Assert.Equal(JobCadence.MaxTimerWait, FaultWake.Wait(End.AddSeconds(1e7), End, retry: false));
}
