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
    // A control call's change whose write's outcome is not known: the write, the change and what follows it (a load's
    // layout). Memory holds the record as it was before the change until a read back says whether storage holds it.
    private sealed record UnsettledChange(Guid Write, Action Change, Func<Task>? Then);

    private UnsettledChange? _unsettled;

    // The record is the grain's state itself: written as it stands, with whether this is a clean hand-over.
    private async Task SaveAsync(bool clean = false)
    {
        Job.Clean = clean;
        Job.Writer = _writer;
        Job.WriteId = Guid.NewGuid();
        Job.EvictedNodes = _evicted.Ordinals(_loaded?.Layout);
        try
        {
            await WriteRecordAsync();
        }
        catch (Exception e) when (!_superseded)
        {
            // Whatever the path, so that /healthz can say how long the record has gone unwritten (found by probing:
            // it said healthy through a Redis outage of any length, while a silo lost meanwhile took every step since).
            _cadence.SaveFailed();
            _recordWrites.Failed(e);
            throw;
        }

        _cadence.Saved(Job.LastCheckpoint);
        _recordWrites.Landed();
        _saveOwed = false;
        if (_registryWriteOwed)
        {
            // Found by a check of the fix: the registry wrote its records again only at its next change, and a silo
            // lost before then took every fault with it. A failed call is tried again at the next write.
            try
            {
                await Registry.WriteAgainAsync();
                _registryWriteOwed = false;
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
        catch (InconsistentStateException) when (!_superseded)
        {
            // Found by review: a write whose answer was lost (storage paused past the client's timeout, then ran it)
            // leaves the stored ETag ahead of this grain's, and every later write is refused; saved from the timer,
            // where Orleans does not deactivate the grain, the job failed a step and laid its tree out again every
            // second for good. If the stored record is this activation's own, the write is made again over it.
            // Found by probing: a Redis restarted empty (no persistence) holds no record at all, which this took for
            // another activation's, and the job stopped for good with nothing saying so; the next activation found
            // no scenario. With no record stored, this activation's is the only one: it is written again.
            switch (await StoredRecordAsync())
            {
                case StoredRecord.Another:
                    _superseded = true; // another activation wrote it: this one steps down and writes no more
                    Halt(Job.State);
                    DeactivateOnIdle();
                    throw;
                case StoredRecord.None:
                    LogRecordGone(logger, Job.Step);
                    _registryWriteOwed = true; // storage lost the registry's records too, most likely: told below
                    break;
                default:
                    LogLostWriteAnswer(logger);
                    break;
            }

            await record.WriteStateAsync();
        }
    }

    private enum StoredRecord
    {
        ThisActivation,
        Another,
        None,
    }

    // Reads the stored record for its ETag and writer (none when storage holds no record), keeping this grain's own
    // record as the state.
    private async Task<StoredRecord> StoredRecordAsync()
    {
        var mine = record.State;
        try
        {
            await record.ReadStateAsync();
            return !record.RecordExists ? StoredRecord.None
                : record.State.Writer == _writer ? StoredRecord.ThisActivation
                : StoredRecord.Another;
        }
        finally
        {
            record.State = mine;
        }
    }

    // Whether storage holds the record `write` stored, read for its ETag while memory's record is kept (the run's
    // arithmetic holds it). No record stored (storage restarted empty): not held, and the registry is told to write its
    // own again at the next write. A record another activation wrote stands this one down, as a refused write does.
    private async Task<bool> HoldsAsync(Guid write)
    {
        var mine = record.State;
        bool exists, another, holds;
        try
        {
            await record.ReadStateAsync();
            (exists, another, holds) = (record.RecordExists, record.RecordExists && record.State.Writer != _writer, record.RecordExists && record.State.WriteId == write);
        }
        finally
        {
            record.State = mine;
        }

        if (another && !holds)
        {
            _superseded = true;
            Halt(Job.State);
            DeactivateOnIdle();
            throw new InconsistentStateException("another activation of the job wrote its record: this one writes no more");
        }

        _registryWriteOwed |= !exists;
        return holds;
    }

    // A write that storage holds after all (its answer was lost): as one that landed.
    private void WriteLanded()
    {
        _cadence.Saved(Job.LastCheckpoint);
        _recordWrites.Landed();
        _saveOwed = false;
    }

    // Settles a control call's write whose outcome was not known: made, the change is made again over memory (which
    // held the record as before it) and what followed it is done; not made, memory stands. Either way a running job
    // steps on from the wait it held. Throws WriteUnsettledException while storage cannot be read: the job takes no
    // change meanwhile (each call is refused), neither steps nor writes, and its timer tries again each second.
    private async Task SettledAsync()
    {
        if (_unsettled is not { } unsettled)
        {
            return;
        }

        bool made;
        try
        {
            made = await HoldsAsync(unsettled.Write);
        }
        catch (Exception e) when (!_superseded)
        {
            _recordWrites.Failed(e);
            throw new WriteUnsettledException($"the job's last control call's write timed out or lost its connection and storage cannot be read back yet ({Describe(e)}): whether it was made is not known until it can, and the job takes no change meanwhile");
        }

        _unsettled = null;
        LogWriteSettled(logger, made ? "holds it: the change stands" : "does not hold it: the change was not made");
        if (made)
        {
            unsettled.Change();
            Job.WriteId = unsettled.Write;
            WriteLanded();
            if (unsettled.Then is { } then)
            {
                try
                {
                    await then();
                }
                catch (Exception e) when (!_superseded)
                {
                    LogTickFailed(logger, Run.NextStep, e.GetBaseException().Message); // a load's layout: a start lays it out again
                }
            }
        }
        else if (!_saveOwed)
        {
            _recordWrites.PutBack();
        }

        if (Job.State == JobState.Running)
        {
            StartTimer(newSchedule: false); // the wait held while it was not known goes on from now
        }
    }

    private static string Describe(Exception e) => $"{e.GetBaseException().GetType().Name}: {e.GetBaseException().Message}";

    // Saves from the step loop, where a storage outage must not fail a training step: a failed write is logged (once
    // per log interval) and tried again a second later; the job steps on meanwhile. Whether it was written. Nothing is
    // written while a control call's write is unsettled: it would hide from the read back whether that one was made.
    private async Task<bool> TrySaveAsync()
    {
        if (_unsettled is not null)
        {
            return false;
        }

        try
        {
            await SaveAsync();
            return true;
        }
        catch (Exception e) when (!_superseded)
        {
            _saveOwed = true;
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
