using Microsoft.Extensions.Time.Testing;
using OrleansCluster.Grains.Job;

namespace OrleansCluster.Grains.Tests.Job;

/// <summary>The job's check of the fault registry's epoch, without a silo: asked once a second, never waited on, and acted on only for the layout it was asked under.</summary>
public sealed class RegistryEpochCheckTests
{
    [Fact]
    public void ARegistryBehindTheLayoutItWasAskedUnderIsBehind()
    {
        var check = new RegistryEpochCheck(new FakeTimeProvider());
        Assert.True(check.Due);
        check.Asked(Task.FromResult(6L), layout: 7);

        Assert.NotNull(check.Answered);
        Assert.True(check.Behind(6, layout: 7));
        Assert.Null(check.Answered); // taken in
    }

    [Fact]
    public void ARegistryOnTheLayoutOrAheadOfItIsNotBehind()
    {
        var check = new RegistryEpochCheck(new FakeTimeProvider());
        check.Asked(Task.FromResult(7L), layout: 7);
        Assert.False(check.Behind(7, layout: 7));
        check.Asked(Task.FromResult(8L), layout: 7);
        Assert.False(check.Behind(8, layout: 7)); // a job's activation behind another's does not push the registry back
    }

    [Fact]
    public void AnAnswerToALayoutSinceReplacedSaysNothing()
    {
        var check = new RegistryEpochCheck(new FakeTimeProvider());
        check.Asked(Task.FromResult(6L), layout: 7);

        Assert.False(check.Behind(6, layout: 8)); // laid out again meanwhile: the registry was told 8 since
    }

    [Fact]
    public void TheRegistryIsAskedOnceASecondAndNeverWhileACallIsInFlight()
    {
        var clock = new FakeTimeProvider();
        var check = new RegistryEpochCheck(clock);
        var pending = new TaskCompletionSource<long>();
        check.Asked(pending.Task, layout: 3);

        Assert.Null(check.Answered); // the step goes on without it
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.False(check.Due);

        pending.SetException(new TimeoutException("storage out of reach"));
        Assert.NotNull(check.Answered);
        check.Failed();
        Assert.True(check.Due);

        check.Asked(Task.FromResult(3L), layout: 3);
        Assert.False(check.Behind(3, layout: 3));
        Assert.False(check.Due);
        clock.Advance(RegistryEpochCheck.Interval);
        Assert.True(check.Due);
    }

    [Fact]
    public void ARefusedHandOverHasTheRegistryAskedAtOnce()
    {
        var check = new RegistryEpochCheck(new FakeTimeProvider());
        check.Asked(Task.FromResult(3L), layout: 3);
        check.Behind(3, layout: 3);
        Assert.False(check.Due);

        check.Soon();

        Assert.True(check.Due);
    }
}
