using Microsoft.Extensions.Time.Testing;
using OrleansCluster.Grains.Job;

namespace OrleansCluster.Grains.Tests.Job;

/// <summary>A layout the fault registry did not take, without a silo: owed, tried again with a backoff that doubles to 30 s, one call at a time, logged once.</summary>
public sealed class RegistryRunRetryTests
{
    [Fact]
    public void TheWaitDoublesFromOneSecondToThirtyAndStaysThere()
    {
        var clock = new FakeTimeProvider();
        var retry = new RegistryRunRetry(clock);
        var waits = new List<double>();
        for (var failures = 0; failures < 8; failures++)
        {
            retry.Failed(layout: 4, new TimeoutException("storage out of reach"));
            waits.Add(retry.Wait.TotalSeconds);
        }

        Assert.Equal([1, 2, 4, 8, 16, 30, 30, 30], waits);
    }

    [Fact]
    public void AFailedLayoutIsTriedAgainOnceItsWaitHasPassedAndNeverWhileACallIsInFlight()
    {
        var clock = new FakeTimeProvider();
        var retry = new RegistryRunRetry(clock);
        Assert.False(retry.Owed);
        Assert.False(retry.Due);
        Assert.Null(retry.Status);

        Assert.True(retry.Failed(layout: 4, new TimeoutException("storage out of reach"))); // the first: logged
        Assert.True(retry.Owed);
        Assert.False(retry.Due);
        clock.Advance(RegistryRunRetry.FirstWait);
        Assert.True(retry.Due);

        var call = new TaskCompletionSource();
        retry.Asked(call.Task);
        Assert.False(retry.Due);
        Assert.Null(retry.Answered); // the step goes on without it
        call.SetException(new TimeoutException("still out of reach"));
        Assert.NotNull(retry.Answered);

        Assert.False(retry.Failed(layout: 4, call.Task.Exception!)); // not logged again
        Assert.Null(retry.Answered);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(retry.Due); // two seconds now
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(retry.Due);
        Assert.Contains("epoch 4; 2 calls failed", retry.Status!.Reason, StringComparison.Ordinal);
        Assert.Null(retry.Status.RegistryEpoch);
    }

    [Fact]
    public void ALayoutTakenOwesNothingAndStartsTheBackoffAfresh()
    {
        var clock = new FakeTimeProvider();
        var retry = new RegistryRunRetry(clock);
        retry.Failed(layout: 4, new TimeoutException("a"));
        retry.Failed(layout: 4, new TimeoutException("b"));
        retry.Failed(layout: 5, new TimeoutException("c"));

        retry.Taken();

        Assert.False(retry.Owed);
        Assert.Null(retry.Status);
        Assert.True(retry.Failed(layout: 6, new TimeoutException("d"))); // logged again: a new spell
        Assert.Equal(RegistryRunRetry.FirstWait, retry.Wait);
    }
}
