using Microsoft.Extensions.Logging;
using Orleans.Storage;
using OrleansCluster.Abstractions.Messages;

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
        Job.Clean = clean;
        Job.Writer = _writer;
        // Built again only when the evictions changed (found by review: a site's crash at a million nodes made it a
        // sort of 125,000 ids at every write, once a second).
        Job.EvictedNodes = _evictedOrdinals ??= _loaded is { } loaded && _evicted.Count > 0
            ? [.. _evicted.Select(loaded.Layout.OrdinalOf).Where(i => i >= 0).Order()]
            : [];
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

    // Saves from the step loop, where a storage outage must not fail a training step: a failed write is logged (once
    // per log interval) and tried again a second later; the job steps on meanwhile. Whether it was written.
    private async Task<bool> TrySaveAsync()
    {
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
