using Microsoft.Extensions.Time.Testing;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Job;

namespace OrleansCluster.Grains.Tests.Job;

/// <summary>
/// The record writes' bookkeeping without storage: what a read back says of a write whose outcome was not known, what
/// is put back or made again, and what a failed write leaves owed.
/// </summary>
public sealed class JobWritesTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly JobWrites _writes;

    public JobWritesTests() => _writes = new JobWrites(_time);

    [Fact]
    public void AReadBackHoldsAWriteOnlyWhenItsIdIsStored()
    {
        var write = Guid.NewGuid();

        Assert.Equal(JobWrites.ReadBack.Held, _writes.Verdict(write, exists: true, _writes.Writer, 1, write));
        Assert.Equal(JobWrites.ReadBack.NotHeld, _writes.Verdict(write, exists: true, _writes.Writer, 1, Guid.NewGuid()));
        Assert.False(_writes.RegistryWriteOwed);
        Assert.False(_writes.Superseded);
    }

    [Fact]
    public void ARecordGoneFromStorageHoldsNothingAndOwesTheRegistryItsWrite()
    {
        Assert.Equal(JobWrites.ReadBack.NotHeld, _writes.Verdict(Guid.NewGuid(), exists: false, Guid.Empty, 0, Guid.Empty));
        Assert.True(_writes.RegistryWriteOwed);

        _writes.RegistryWritten();
        Assert.False(_writes.RegistryWriteOwed);
        Assert.Equal(JobWrites.Stored.None, _writes.Found(exists: false, Guid.Empty, 0));
        Assert.True(_writes.RegistryWriteOwed);
    }

    [Fact]
    public void ARecordAnotherActivationWroteStandsThisOneDown()
    {
        var write = Guid.NewGuid();
        Assert.Equal(JobWrites.ReadBack.Held, _writes.Verdict(write, exists: true, Guid.NewGuid(), 1, write)); // the write is stored: held, whoever wrote it
        Assert.False(_writes.Superseded);

        Assert.Equal(JobWrites.Stored.ThisActivation, _writes.Found(exists: true, _writes.Writer, 1));
        Assert.False(_writes.Superseded);

        Assert.Equal(JobWrites.ReadBack.Superseded, _writes.Verdict(write, exists: true, Guid.NewGuid(), 2, Guid.NewGuid()));
        Assert.True(_writes.Superseded);
        Assert.Equal(JobWrites.Stored.Another, new JobWrites(_time).Found(exists: true, _writes.Writer, 1));
    }

    [Fact]
    public void ARecordAnotherActivationWroteNoLaterThanThisOneReadOrWroteIsStorageGoneBackNotALaterWriter()
    {
        // Found by probing: Redis restarted from an older snapshot held an older activation's record, which the job took
        // for a later writer's; it stood down, and the next activation ran the older record.
        var job = new JobRecord { Sequence = 7 }; // as read at activation
        _writes.Stamp(job, clean: false);
        _writes.Landed(job.Sequence);
        _writes.Stamp(job, clean: false);

        Assert.Equal(JobWrites.Stored.Older, _writes.Found(exists: true, Guid.NewGuid(), 7));
        Assert.Equal(JobWrites.Stored.Older, _writes.Found(exists: true, Guid.NewGuid(), 0)); // written before the sequence was kept
        Assert.Equal(JobWrites.ReadBack.Older, _writes.Verdict(job.WriteId, exists: true, Guid.NewGuid(), 8, Guid.NewGuid()));
        Assert.False(_writes.Superseded);
        Assert.True(_writes.RegistryWriteOwed); // the registry's records went back too, most likely

        Assert.Equal(JobWrites.Stored.Another, _writes.Found(exists: true, Guid.NewGuid(), 9)); // written after this one's last landed write
        Assert.True(_writes.Superseded);
    }

    [Fact]
    public void EachWriteIsStampedWithThisActivationAndANewIdAndTheNextSequence()
    {
        var job = new JobRecord();
        _writes.Stamp(job, clean: true);
        var first = job.WriteId;
        _writes.Stamp(job, clean: false);

        Assert.Equal((_writes.Writer, false, 2L), (job.Writer, job.Clean, job.Sequence));
        Assert.NotEqual(first, job.WriteId);
        Assert.NotEqual(Guid.Empty, job.WriteId);
    }

    [Fact]
    public void AChangeNotMadeIsPutBackAndOwesNothing()
    {
        var job = new JobRecord { State = JobState.Paused };
        var before = job.Copy();
        job.State = JobState.Running;
        var error = new TimeoutException("storage did not answer");
        _writes.Failed(error);

        var notMade = _writes.NotMade(job, before, error);

        Assert.Equal(JobState.Paused, job.State);
        Assert.Null(_writes.Unwritten);
        Assert.Same(error, notMade.InnerException);
        Assert.Equal("the job's record's write failed (TimeoutException: storage did not answer); storage, read back, does not hold it: the change was not made", notMade.Message);
    }

    [Fact]
    public void AChangeNotMadeStillOwesAWriteTheStepLoopOwedBeforeIt()
    {
        var job = new JobRecord { State = JobState.Running };
        _writes.Failed(new TimeoutException("out"));
        _writes.Owe();

        _ = _writes.NotMade(job, job.Copy(), new TimeoutException("out"));

        Assert.NotNull(_writes.Unwritten);
        _writes.Landed(job.Sequence);
        Assert.Null(_writes.Unwritten);
        Assert.False(_writes.SaveOwed);
    }

    [Fact]
    public void AnUnknownOutcomeHoldsTheRecordAsBeforeAndAReadBackThatFindsItMakesTheChangeAgain()
    {
        var job = new JobRecord { State = JobState.Paused };
        var before = job.Copy();
        void Resume() => job.State = JobState.Running;
        Resume();
        _writes.Stamp(job, clean: false);
        var write = job.WriteId;
        var followed = false;
        Func<Task> then = () => { followed = true; return Task.CompletedTask; };
        var error = new TimeoutException("write timed out");
        _writes.Failed(error);

        var unknown = _writes.Unknown(job, before, new JobWrites.UnsettledChange(write, Resume, then), error, new TimeoutException("read timed out"));

        Assert.Equal(JobState.Paused, job.State);
        Assert.NotNull(_writes.Unsettled);
        Assert.Equal("the job's record's write failed (TimeoutException: write timed out) and storage could not be read back (TimeoutException: read timed out): whether the change was made is not known until it can, and the job takes no change meanwhile", unknown.Message);
        var still = _writes.StillUnknown(new TimeoutException("read timed out again"));
        Assert.Contains("cannot be read back yet (TimeoutException: read timed out again)", still.Message, StringComparison.Ordinal);
        Assert.NotNull(_writes.Unsettled);

        var next = _writes.Settled(job, made: true);

        Assert.Null(_writes.Unsettled);
        Assert.Equal((JobState.Running, write), (job.State, job.WriteId));
        Assert.Null(_writes.Unwritten);
        Assert.Same(then, next);
        Assert.False(followed);
    }

    [Fact]
    public void AReadBackThatDoesNotFindTheChangeLeavesMemoryAsItStands()
    {
        var job = new JobRecord { State = JobState.Running };
        var before = job.Copy();
        void Pause() => job.State = JobState.Paused;
        Pause();
        _writes.Failed(new TimeoutException("write timed out"));
        _ = _writes.Unknown(job, before, new JobWrites.UnsettledChange(Guid.NewGuid(), Pause, null), new TimeoutException("w"), new TimeoutException("r"));

        var next = _writes.Settled(job, made: false);

        Assert.Null(next);
        Assert.Null(_writes.Unsettled);
        Assert.Equal(JobState.Running, job.State);
        Assert.Null(_writes.Unwritten);
    }

    [Fact]
    public void AStoredRecordIsJudgedByItsWriterSequenceAndWriteId()
    {
        var job = new JobRecord();
        _writes.Stamp(job, clean: false);
        _writes.Landed(job.Sequence);

        Assert.Equal(JobWrites.Stored.None, _writes.Found(stored: null));
        Assert.Equal(JobWrites.Stored.ThisActivation, _writes.Found(job));
        Assert.Equal(JobWrites.ReadBack.Held, _writes.Verdict(job.WriteId, job));
        Assert.Equal(JobWrites.ReadBack.NotHeld, _writes.Verdict(Guid.NewGuid(), job));
        Assert.Equal(JobWrites.ReadBack.NotHeld, _writes.Verdict(job.WriteId, stored: null));
        Assert.False(_writes.Superseded);

        var later = new JobRecord { Writer = Guid.NewGuid(), Sequence = job.Sequence + 1, WriteId = Guid.NewGuid() };
        Assert.Equal(JobWrites.ReadBack.Superseded, _writes.Verdict(job.WriteId, later));
        Assert.Equal(JobWrites.Stored.Another, _writes.Found(later));
    }
}
