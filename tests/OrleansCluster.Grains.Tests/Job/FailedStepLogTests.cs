using Microsoft.Extensions.Time.Testing;
using OrleansCluster.Grains.Job;

namespace OrleansCluster.Grains.Tests.Job;

/// <summary>Failed steps are logged once per run of failures and then once per interval, with the count held back.</summary>
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
    public void TheFirstFailureAfterACompletedStepIsLoggedAtOnce()
    {
        var time = new FakeTimeProvider();
        var log = new FailedStepLog(time, intervalSeconds: 10);
        Assert.True(log.Admit(out _));
        Assert.False(log.Admit(out _));

        log.Succeeded();

        Assert.True(log.Admit(out var held));
        Assert.Equal(1, held); // the one held back before the step that completed
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
