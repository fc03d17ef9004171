using Microsoft.Extensions.Logging;
using Orleans.Storage;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Faults;

namespace OrleansCluster.Grains.Job;

/// <summary>
/// The job's record in storage: written about once a second while it runs and at each control call, written again
/// where storage lost it or lost a write's answer, and given up when another activation wrote it. A part of the
/// grain (the record is the grain's own state); what a failed write leaves owed is tried again by the step loop.
/// </summary>
public sealed partial class JobGrain
{
    // The record is the grain's state itself: written as it stands, with whether this is a clean hand-over.
    private async Task SaveAsync(bool clean = false)
    {
        _writes.Stamp(Job, clean);
        Job.EvictedNodes = _evicted.ToWrite(Job, _loaded?.Layout);
        try
        {
            await WriteRecordAsync();
        }
        catch (Exception e) when (!_writes.Superseded)
        {
            _cadence.SaveFailed();
            _writes.Failed(e);
            throw;
        }

        _cadence.Saved(Job.LastCheckpoint);
        _writes.Landed(Job.Sequence);
        if (!clean && Job.State != JobState.Running && Job.Source is not null)
        {
            Timer.Change(JobWrites.WatchEvery, Timeout.InfiniteTimeSpan); // WatchRecordAsync: a job that stands still writes nothing else
        }

        if (_writes.RegistryWriteOwed)
        {
            // Found by a check of the fix: the registry wrote its records again only at its next change, and a silo
            // lost before then took every fault with it. A failed call is tried again at the next write.
            try
            {
                await Registry.WriteAgainAsync();
                _writes.RegistryWritten();
            }
            catch (Exception e)
            {
                LogRegistryWriteAgainFailed(logger, e.GetBaseException().GetType().Name, e.GetBaseException().Message);
            }
        }
    }

    private async Task WriteRecordAsync()
    {
        try
        {
            await record.WriteStateAsync();
        }
        catch (InconsistentStateException) when (!_writes.Superseded)
        {
            // Its answer lost, storage emptied or gone back, or another activation's write: JobWrites.Found tells which.
            var stored = await ReadBackAsync();
            switch (_writes.Found(stored))
            {
                case JobWrites.Stored.Another: // another activation wrote it: this one steps down and writes no more
                    StepDown();
                    throw;
                case JobWrites.Stored.None: // storage lost the registry's records too, most likely: told at the write's end
                    LogRecordGone(logger, Job.Step);
                    break;
                case JobWrites.Stored.Older: // storage went back on the registry's records too, most likely: told likewise
                    LogStorageWentBack(stored!);
                    break;
                default:
                    LogLostWriteAnswer(logger);
                    break;
            }

            await record.WriteStateAsync();
        }
    }

    // A job that stands still writes nothing of its own: it reads its record back every JobWrites.WatchEvery (why: there)
    // and, where storage lost it or holds an older one, writes it again from memory (and has the registry write its own
    // again). A record another activation wrote since stands it down; a read that fails is tried at the next watch.
    private async Task WatchRecordAsync()
    {
        if (Job.Source is null || _writes.Superseded || _writes.Unsettled is not null)
        {
            return;
        }

        JobRecord? stored;
        try
        {
            stored = await ReadBackAsync();
        }
        catch (Exception e) when (!_writes.Superseded)
        {
            if (_saveFailureLog.Open())
            {
                LogWatchReadFailed(logger, e.GetBaseException().GetType().Name, e.GetBaseException().Message);
            }

            Timer.Change(JobWrites.WatchEvery, Timeout.InfiniteTimeSpan);
            return;
        }

        switch (_writes.Found(stored))
        {
            case JobWrites.Stored.ThisActivation: // storage holds this activation's last write
                Timer.Change(JobWrites.WatchEvery, Timeout.InfiniteTimeSpan);
                return;
            case JobWrites.Stored.Another:
                StepDown();
                return;
            case JobWrites.Stored.None:
                LogRecordGone(logger, Job.Step);
                break;
            default:
                LogStorageWentBack(stored!);
                break;
        }

        await TrySaveAsync(); // the read took the stored ETag: this write lands over what is stored (and watches on), or is owed
    }

    // Reads the stored record for its ETag, answering it (null when there is none), and keeping this grain's own
    // record as the state (the run's arithmetic holds it).
    private async Task<JobRecord?> ReadBackAsync()
    {
        var mine = record.State;
        try
        {
            await record.ReadStateAsync();
            return record.RecordExists ? record.State : null;
        }
        finally
        {
            record.State = mine;
        }
    }

    // Whether storage holds the record `write` stored (JobWrites.Verdict). A record another activation wrote after this
    // one's last write stands this one down, as a refused write does; an older one (storage went back) is not held.
    private async Task<bool> HoldsAsync(Guid write)
    {
        var stored = await ReadBackAsync();
        var verdict = _writes.Verdict(write, stored);
        if (verdict == JobWrites.ReadBack.Superseded)
        {
            StepDown();
            throw new InconsistentStateException("another activation of the job wrote its record: this one writes no more");
        }

        if (verdict == JobWrites.ReadBack.Older)
        {
            LogStorageWentBack(stored!);
        }

        return verdict == JobWrites.ReadBack.Held;
    }

    // A control call's change, made durable or not made (JobWrites.NotMade). A write that fails is settled by reading the
    // record back, as the fault registry does: held there, the change stands and the call answers as made; not held,
    // memory is put back and the call answers WriteNotMadeException; where the read fails too, WriteUnsettledException
    // (JobWrites.Unknown) until a read back settles it (SettledAsync). `then` follows the change once it is made (a
    // load's layout), for a change settled later.
    private async Task ChangeAsync(Action change, Func<Task>? then = null)
    {
        var before = Job.Copy();
        change();
        try
        {
            await SaveAsync();
            return;
        }
        catch (Exception e) when (!_writes.Superseded)
        {
            var write = Job.WriteId;
            bool made;
            try
            {
                made = await HoldsAsync(write);
            }
            catch (Exception readError) when (!_writes.Superseded)
            {
                var unknown = _writes.Unknown(Job, before, new JobWrites.UnsettledChange(write, change, then), e, readError);
                _cadence.Hold(Job.Pace); // no step while it is not known: the wait held goes on once it is
                Timer.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan); // TickAsync reads back each second
                throw unknown;
            }

            LogWriteSettled(logger, made ? "holds it: the change stands" : "does not hold it: the change was not made");
            if (made)
            {
                _cadence.Saved(Job.LastCheckpoint); // storage holds it after all (its answer was lost): as a write that landed
                _writes.Landed(Job.Sequence);
                return;
            }

            var notMade = _writes.NotMade(Job, before, e);

            if (Job.State == JobState.Running)
            {
                StartTimer(newSchedule: false); // a pause or stop not made: the wait it held goes on
            }
            else
            {
                _cadence.Hold(Job.Pace); // a start or resume not made: the wait is held again
                Timer.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan); // TickAsync writes what is owed
            }

            throw notMade;
        }
    }

    // Settles a control call's write whose outcome was not known (JobWrites.Settled), and does what followed the change
    // where it was made; either way a running job steps on from the wait it held. Throws WriteUnsettledException while
    // storage cannot be read: each call is refused meanwhile, and the timer tries again each second.
    private async Task SettledAsync()
    {
        if (_writes.Unsettled is not { } unsettled)
        {
            return;
        }

        bool made;
        try
        {
            made = await HoldsAsync(unsettled.Write);
        }
        catch (Exception e) when (!_writes.Superseded)
        {
            throw _writes.StillUnknown(e);
        }

        LogWriteSettled(logger, made ? "holds it: the change stands" : "does not hold it: the change was not made");
        var then = _writes.Settled(Job, made);
        if (made)
        {
            _cadence.Saved(Job.LastCheckpoint);
        }

        if (Job.State == JobState.Running)
        {
            StartTimer(newSchedule: false); // the wait held while it was not known goes on from now
        }

        if (then is not null)
        {
            // A load's layout, then what its call did next (PUT /api/scenario's start). A write of that start whose
            // outcome is not known in turn is answered: the job takes no change until it is settled.
            try
            {
                await then();
            }
            catch (Exception e) when (!_writes.Superseded && e is not WriteUnsettledException)
            {
                LogTickFailed(logger, Run.NextStep, e.GetBaseException().Message); // a load's layout: a start lays it out again
            }
        }
    }

    // Saves from the step loop, where a storage outage must not fail a training step: a failed write is logged (once
    // per log interval) and tried again a second later; the job steps on meanwhile. Whether it was written. Nothing is
    // written while a control call's write is unsettled: it would hide from the read back whether that one was made.
    private async Task<bool> TrySaveAsync()
    {
        if (_writes.Unsettled is not null)
        {
            return false;
        }

        try
        {
            await SaveAsync();
            return true;
        }
        catch (Exception e) when (!_writes.Superseded)
        {
            _writes.Owe();
            if (Job.State != JobState.Running)
            {
                // Found by review: a load's write that failed, the job stopped, was tried again only at the next
                // control call; the step loop's timer writes what is owed each second (the running loop does anyway).
                Timer.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
            }

            if (_saveFailureLog.Open())
            {
                LogSaveFailed(logger, Job.Step, e.GetBaseException().GetType().Name, e.GetBaseException().Message);
            }

            return false;
        }
    }
}
