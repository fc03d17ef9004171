using Microsoft.Extensions.Time.Testing;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Grains.Job;

namespace OrleansCluster.Grains.Tests.Job;

/// <summary>The job's check of the fault registry's epoch, without a silo: asked once a second, never waited on, acted on for any answer but the layout it was asked under, and only for that layout.</summary>
public sealed class RegistryEpochCheckTests
{
    [Fact]
    public void ARegistryBehindTheLayoutItWasAskedUnderIsOff()
    {
        var check = new RegistryEpochCheck(new FakeTimeProvider());
        Assert.True(check.Due);
        check.Asked(Task.FromResult(6L), layout: 7);

        Assert.NotNull(check.Answered);
        Assert.True(check.Off(6, layout: 7));
        Assert.Null(check.Answered); // taken in
    }

    [Fact]
    public void ARegistryOnTheLayoutIsNotOff()
    {
        var check = new RegistryEpochCheck(new FakeTimeProvider());
        check.Asked(Task.FromResult(7L), layout: 7);
        Assert.False(check.Off(7, layout: 7));
    }

    [Fact]
    public void ARegistryAheadOfTheLayoutOrWithNoRunLaidOutIsOff()
    {
        // Found by review (fix-epoch-check): both refuse every hand-over under the job's epoch, and neither was acted on.
        var check = new RegistryEpochCheck(new FakeTimeProvider());
        check.Asked(Task.FromResult(9L), layout: 7);
        Assert.True(check.Off(9, layout: 7)); // the job resumed from a record two layouts old: it lays out past 9
        check.Asked(Task.FromResult(IFaultRegistryGrain.NotLaidOut), layout: 7);
        Assert.True(check.Off(IFaultRegistryGrain.NotLaidOut, layout: 7));
    }

    [Fact]
    public void AnAnswerToALayoutSinceReplacedSaysNothing()
    {
        var check = new RegistryEpochCheck(new FakeTimeProvider());
        check.Asked(Task.FromResult(6L), layout: 7);

        Assert.False(check.Off(6, layout: 8)); // laid out again meanwhile: the registry was told 8 since
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
        Assert.False(check.Off(3, layout: 3));
        Assert.False(check.Due);
        clock.Advance(RegistryEpochCheck.Interval);
        Assert.True(check.Due);
    }

    [Fact]
    public void ARefusedHandOverHasTheRegistryAskedAtOnce()
    {
        var check = new RegistryEpochCheck(new FakeTimeProvider());
        check.Asked(Task.FromResult(3L), layout: 3);
        check.Off(3, layout: 3);
        Assert.False(check.Due);

        check.Soon();

        Assert.True(check.Due);
    }

    [Fact]
    public void ARegistryAheadIsActedOnOnlyOnceTheJobsOwnRecordIsWritten()
    {
        // Found by review (fix-relayout): two activations of the job, neither's write landing, each laid out past the
        // other's layout as a registry ahead of its own, about once a second.
        var clock = new FakeTimeProvider();
        var check = new RegistryEpochCheck(clock);
        check.Asked(Task.FromResult(9L), layout: 7);
        Assert.True(check.Off(9, layout: 7));

        Assert.False(check.ActsOn(9, layout: 7, recordWritten: false));
        Assert.True(check.AheadUnconfirmed);
        clock.Advance(TimeSpan.FromSeconds(3));
        Assert.False(check.ActsOn(9, layout: 7, recordWritten: false));
        Assert.Equal(9, check.Status!.RegistryEpoch);
        Assert.Equal(3, check.Status.Seconds); // since it was first seen ahead

        Assert.True(check.ActsOn(9, layout: 7, recordWritten: true)); // this activation holds the record: laid out past 9
        Assert.False(check.AheadUnconfirmed);
        Assert.Null(check.Status);
    }

    [Fact]
    public void ARegistryBehindOrWithNoRunLaidOutIsActedOnWhetherOrNotTheRecordIsWritten()
    {
        var check = new RegistryEpochCheck(new FakeTimeProvider());
        Assert.True(check.ActsOn(6, layout: 7, recordWritten: false));
        Assert.True(check.ActsOn(IFaultRegistryGrain.NotLaidOut, layout: 7, recordWritten: false));
        Assert.Null(check.Status);
    }

    [Fact]
    public void ARegistryBackOnTheLayoutOrToldItIsNoLongerAhead()
    {
        var check = new RegistryEpochCheck(new FakeTimeProvider());
        check.Asked(Task.FromResult(9L), layout: 7);
        check.Off(9, layout: 7);
        check.ActsOn(9, layout: 7, recordWritten: false);
        check.Asked(Task.FromResult(7L), layout: 7);
        Assert.False(check.Off(7, layout: 7)); // the other activation stood down, and this one's layout was told again
        Assert.Null(check.Status);

        check.ActsOn(9, layout: 7, recordWritten: false);
        check.Asked(new TaskCompletionSource<long>().Task, layout: 7);
        check.Told(); // a layout the registry took since
        Assert.Null(check.Status);
        Assert.Null(check.Answered);
        Assert.True(check.Due);
    }

    [Fact]
    public void AStepDueFurtherThanTheCheckIntervalWakesTheTimerAtTheIntervalToAskTheRegistry()
    {
        // Found by review (fix-epoch-check): the check ran once per step, and a step an hour away left a registry behind
        // the layout unnoticed as long.
        Assert.Equal(TimeSpan.FromMilliseconds(300), RegistryEpochCheck.Wake(TimeSpan.FromMilliseconds(300)));
        Assert.Equal(TimeSpan.Zero, RegistryEpochCheck.Wake(TimeSpan.Zero));
        Assert.Equal(RegistryEpochCheck.Interval, RegistryEpochCheck.Wake(RegistryEpochCheck.Interval));
        Assert.Equal(RegistryEpochCheck.Interval, RegistryEpochCheck.Wake(TimeSpan.FromHours(1)));
    }
}
