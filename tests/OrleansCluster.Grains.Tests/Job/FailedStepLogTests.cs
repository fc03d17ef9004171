using Microsoft.Extensions.Time.Testing;
using OrleansCluster.Grains.Job;

namespace OrleansCluster.Grains.Tests.Job;

/// <summary>Failed steps are logged at most once per interval, with the count held back.</summary>
public sealed class FailedStepLogTests
{
    [Fact]
    public void AFloodOfFailuresWritesOneLinePerIntervalCountingTheRest()
    {
        var time = new FakeTimeProvider();
        var log = new FailedStepLog(time, intervalSeconds: 10);

        Assert.True(log.Admit(out var first));
        Assert.Equal(0, first);
        var admitted = 0;
        for (var i = 0; i < 1000; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(5)); // 1,000 failures in 5 s
            admitted += log.Admit(out _) ? 1 : 0;
        }

        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(0, admitted);
        Assert.True(log.Admit(out var held));
        Assert.Equal(1000, held);
    }

    [Fact]
    public void FailuresBetweenCompletedStepsAreHeldToOneLinePerInterval()
    {
        // Background failures at max pace: a step fails every few, with completed steps between (found by a soak
        // probe: when a completed step restarted the limit, each of these failures wrote its own line).
        var time = new FakeTimeProvider();
        var log = new FailedStepLog(time, intervalSeconds: 10);
        var lines = 0;
        long held = 0;
        for (var i = 0; i < 2000; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(10)); // a failure every 10 ms for 20 s, steps completing between
            if (log.Admit(out var h))
            {
                lines++;
                held += h;
            }
        }

        Assert.Equal(2, lines); // at 0.01 s and 10.01 s
        Assert.Equal(999, held); // the failures of the first interval, told by the second line
    }

    [Fact]
    public void AFailureAfterAQuietIntervalIsLoggedAtOnce()
    {
        var time = new FakeTimeProvider();
        var log = new FailedStepLog(time, intervalSeconds: 10);
        Assert.True(log.Admit(out _));
        Assert.False(log.Admit(out _));

        time.Advance(TimeSpan.FromSeconds(10));

        Assert.True(log.Admit(out var held));
        Assert.Equal(1, held); // the one held back in the interval before
    }

    [Fact]
    public void ALineWrittenRegardlessCountsTheHeldFailuresAndRestartsTheInterval()
    {
        var time = new FakeTimeProvider();
        var log = new FailedStepLog(time, intervalSeconds: 10);
        Assert.True(log.Admit(out _));
        Assert.False(log.Admit(out _));
        Assert.False(log.Admit(out _));

        Assert.Equal(2, log.Written()); // a step lost with a silo: always logged, with the two held back
        time.Advance(TimeSpan.FromSeconds(9));

        Assert.False(log.Admit(out _));
    }
}
