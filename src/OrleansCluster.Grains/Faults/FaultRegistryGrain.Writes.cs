using Orleans.Storage;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Faults;

/// <summary>
/// The registry's writes: a change that ends faults (and adds some) written before memory takes it, a mutation's write
/// with its undo, an expiry's write that is retried rather than failing its pass, the operator's write again, and the
/// history of ended faults written behind the live record on its own timer. A part of the grain (the records are its
/// own state in <see cref="FaultStore"/>); what a failed write leaves owed is retried by the grain's timers.
/// </summary>
public sealed partial class FaultRegistryGrain
{
    private readonly LogGate _expiryFailureLog = new(clock, TimeSpan.FromSeconds(10)); // retried each second through an outage
    private readonly HistorySchedule _historySchedule = new();

    public async Task WriteAgainAsync()
    {
        _store.HistoryChanged();
        try
        {
            await SaveAsync(); // written over a record of its own or an older one (FaultStore): nothing was lost
            await _store.WriteHistoryAsync(CancellationToken.None);
        }
        finally
        {
            // Found by review: a failed write here was tried again only at the registry's next change.
            RetryWhatIsUnwritten();
        }
    }

    // Sets the timers for what storage does not hold yet: the live faults (the pass's retry) and the history.
    private void RetryWhatIsUnwritten()
    {
        if (_store.LiveDirty)
        {
            SetTimer(clock.GetUtcNow(), retry: true);
        }

        if (_store.HistoryDirty)
        {
            HistoryWriteWithin(HistorySchedule.Delay);
        }
    }

    // The stored live faults still hold those that expired until this succeeds; a silo that restarts from them
    // before then expires them again at once (their end has passed) and tells their targets, as after any restart.
    private async Task SaveExpiriesAsync()
    {
        try
        {
            await SaveAsync();
        }
        catch (Exception e)
        {
            if (_expiryFailureLog.Open())
            {
                LogExpirySaveFailed(logger, e.GetType().Name, e.Message);
            }

            if (e is InconsistentStateException)
            {
                // The stored ETag is ahead of this copy's (an earlier write's answer was lost): no retry from this
                // copy can succeed, and from a timer Orleans does not deactivate the grain as it does after a call.
                // The next activation reads the stored faults and expires what is due at once.
                DeactivateOnIdle();
            }
        }
    }

    // The one durable change that ends faults (a clear, a clear of all, a new run, a hand-over's repairs): `ending` leave
    // the live faults as `how`, `adding` join them, and `change` edits the rest of the live state (the run, the
    // counters). Written before anything in memory changes, so that a write that fails changes nothing (its undo puts
    // the state back); the write records how they ended (found by review: a write whose answer was lost took a fault
    // out of storage while the history never had it, and a reload lost it from both). Answers them as they ended.
    private async Task<List<Fault>> CommitEndingsAsync(IReadOnlyCollection<Fault> ending, FaultState how, IReadOnlyCollection<Fault>? adding = null, Action<FaultRegistryState>? change = null)
    {
        var undo = Checkpoint();
        var ended = FaultEndings.As(ending, how, clock.GetUtcNow());
        _store.Journal(ended);
        change?.Invoke(_store.State); // after the journal: a new scenario's run starts its rows' tally at 0, without the old one's
        await CommitAsync(FaultEndings.LiveAfter(_memory.Book.Faults, ended, adding ?? []), undo);
        _memory.Retire(ended);
        ended.ForEach(AddToHistory);
        foreach (var fault in FaultEndings.ExpiredFirst(ended, how))
        {
            LogExpired(logger, fault.Id, fault.Kind.ApiName);
        }

        _memory.Add(adding ?? []);

        return ended;
    }

    private Task SaveAsync() => _store.SaveAsync(_memory.Book.Faults);

    private async Task CommitAsync(IEnumerable<Fault> live, FaultRegistryState undo)
    {
        try
        {
            await _store.CommitAsync(live, undo);
        }
        catch (Exception e)
        {
            LogWriteFailed(logger, e.GetType().Name, e.Message);
            if (_store.Unsettled)
            {
                SetTimer(clock.GetUtcNow(), retry: true); // read back on the timer too, with no call to wait for
            }

            throw;
        }

        if (_store.HistoryDirty)
        {
            HistoryWriteWithin(HistorySchedule.Delay); // a history storage lost with the live record
        }
    }

    private FaultRegistryState Checkpoint() => _store.Checkpoint();

    private void AddToHistory(Fault fault)
    {
        if (_store.AddToHistory(fault))
        {
            HistoryWriteWithin(HistorySchedule.Delay);
        }

        if (_historySchedule.FlushNow(_store.Journaled))
        {
            HistoryWriteWithin(TimeSpan.Zero);
        }
    }

    // Sets the history timer to run within `delay`, never later than it is already set to (HistorySchedule).
    private void HistoryWriteWithin(TimeSpan delay)
    {
        if (_historySchedule.Within(clock.GetUtcNow(), delay) is { } wait)
        {
            _historyTimer?.Change(wait, Timeout.InfiniteTimeSpan);
        }
    }

    private async Task WriteHistoryAsync(CancellationToken cancellationToken)
    {
        _historySchedule.Ran();
        try
        {
            await _store.WriteHistoryAsync(cancellationToken);
            _historySchedule.Written();
        }
        catch
        {
            HistoryWriteWithin(HistorySchedule.Delay); // kept for the next attempt
            throw;
        }
    }
}
