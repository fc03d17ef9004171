using Orleans.Storage;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Faults;

/// <summary>
/// The registry's two durable states: the live faults with the counters and idempotency keys, written before a
/// mutation answers (and put back as they were when the write fails, so that a failed write changes nothing), and
/// the history of ended faults, written behind them by the registry's timer.
/// </summary>
internal sealed class FaultStore(IPersistentState<FaultRegistryState> state, IPersistentState<FaultHistoryState> history, TimeProvider time)
{
    private const int EndedKept = FaultHistory.Kept;
    private readonly FailedWrites _liveWrites = new(time);
    private readonly FailedWrites _historyWrites = new(time);

    /// <summary>The live state.</summary>
    public FaultRegistryState State => state.State;

    /// <summary>The faults that have ended, oldest first (at most the last 1,000).</summary>
    public List<Fault> History => history.State.Ended;

    /// <summary>The ends the live state records that the history may not hold yet (<see cref="Journal"/>).</summary>
    public int Journaled => state.State.Ending.Count;

    /// <summary>Whether ended faults wait to be written.</summary>
    public bool HistoryDirty { get; private set; }

    /// <summary>
    /// Whether the live faults as last written differ from those in memory: an expiry whose write failed (storage
    /// down), or a stored fault found ended when it was read. The next successful write of the live state clears it.
    /// </summary>
    public bool LiveDirty { get; private set; }

    /// <summary>
    /// What memory holds that storage does not, after a failed write: the live faults or the history, whichever has
    /// gone unwritten longer. A failed mutation is not counted: it was put back, and memory matches storage.
    /// </summary>
    public UnwrittenRecord? Unwritten =>
        new[] { LiveDirty ? _liveWrites.Unwritten : null, HistoryDirty ? _historyWrites.Unwritten : null }
            .OfType<UnwrittenRecord>()
            .MaxBy(u => u.Seconds);

    /// <summary>The live state as it is before a mutation, to put back if its write fails.</summary>
    public FaultRegistryState Checkpoint() => state.State.Copy();

    /// <summary>
    /// Writes <paramref name="live"/> as the faults pending or in force, with whatever else the caller changed in
    /// <see cref="State"/>. When the write fails the state is put back as <paramref name="undo"/> had it and the
    /// error goes to the caller, which changes its in-memory faults only after this returns.
    /// </summary>
    public async Task CommitAsync(IEnumerable<Fault> live, FaultRegistryState undo)
    {
        ArgumentNullException.ThrowIfNull(undo);
        state.State.Faults = live.Select(FaultIntake.Stored).ToList();
        try
        {
            await WriteLiveAsync();
            LiveDirty = false;
        }
        catch
        {
            state.State = undo;
            if (!LiveDirty)
            {
                // Found by review: the failure's time stayed, and an expiry unwritten an hour later read an hour.
                _liveWrites.PutBack();
            }

            throw;
        }
    }

    /// <summary>
    /// Writes <paramref name="live"/> (after a change that needs no undo: an expiry). When the write fails
    /// the state in memory keeps <paramref name="live"/> and <see cref="LiveDirty"/> says a write is still due.
    /// </summary>
    public async Task SaveAsync(IEnumerable<Fault> live)
    {
        state.State.Faults = live.Select(FaultIntake.Stored).ToList();
        LiveDirty = true;
        await WriteLiveAsync();
        LiveDirty = false;
    }

    // Found by probing: a Redis restarted empty (no persistence) holds no live record, and each write was refused for
    // its ETag; the registry's activation went with its faults and the next one found none. The registry is its
    // record's one writer: with none stored, memory's is written again. A record stored with another ETag (a write
    // whose answer was lost) is still refused, and the grain goes, as before.
    private async Task WriteLiveAsync()
    {
        try
        {
            try
            {
                await state.WriteStateAsync();
            }
            catch (InconsistentStateException)
            {
                if (await StoredAsync(state))
                {
                    throw;
                }

                await state.WriteStateAsync();
                HistoryDirty = true; // storage that lost this record most likely lost the history too: written again behind it
            }
        }
        catch (Exception e)
        {
            _liveWrites.Failed(e);
            throw;
        }

        _liveWrites.Landed();
    }

    // Whether storage holds a record for `stored`, read for its ETag while the state in memory is kept.
    private static async Task<bool> StoredAsync<T>(IPersistentState<T> stored)
    {
        var mine = stored.State;
        try
        {
            await stored.ReadStateAsync();
            return stored.RecordExists;
        }
        finally
        {
            stored.State = mine;
        }
    }

    /// <summary>Notes that the history in memory may differ from the one stored, so that its next write is made.</summary>
    public void HistoryChanged() => HistoryDirty = true;

    /// <summary>Notes that the live faults in memory differ from those stored, so that the next pass writes them.</summary>
    public void LiveChanged() => LiveDirty = true;

    /// <summary>
    /// Notes in the live state how <paramref name="ending"/> end, before the write that takes them out of the live
    /// faults: that write then records their end too, whatever becomes of the history's own write.
    /// </summary>
    public void Journal(IEnumerable<Fault> ending)
    {
        var journal = state.State.Ending;
        journal.AddRange(ending.Select(FaultIntake.Stored)); // a site's fault without its node list, as the live faults keep it
        if (journal.Count > EndedKept)
        {
            journal.RemoveRange(0, journal.Count - EndedKept);
        }
    }

    /// <summary>
    /// Takes into the history the ends the live state recorded that it does not hold (a live write landed but the
    /// history's did not: the registry was lost, or reloaded after a write whose answer was lost), each as
    /// <paramref name="restore"/> gives it (a site's fault with its nodes picked again); true when any was missing
    /// (the history is then due a write). Those it already holds leave the journal (the next live write carries that).
    /// </summary>
    public bool RecoverJournal(Func<Fault, Fault> restore)
    {
        ArgumentNullException.ThrowIfNull(restore);
        var ended = history.State.Ended;
        var known = ended.Select(f => f.Id).ToHashSet(StringComparer.Ordinal);
        var journal = state.State.Ending;
        journal.RemoveAll(f => known.Contains(f.Id));
        var missing = journal.Where(f => known.Add(f.Id)).Select(restore).ToList();
        if (missing.Count == 0)
        {
            return false;
        }

        ended.AddRange(missing);
        Trim(ended);
        HistoryDirty = true;
        return true;
    }

    /// <summary>Adds an ended fault to the history; true when the history was clean until now (a write is due).</summary>
    public bool AddToHistory(Fault fault)
    {
        var ended = history.State.Ended;
        ended.Add(fault);
        Trim(ended);
        var first = !HistoryDirty;
        HistoryDirty = true;
        return first;
    }

    /// <summary>
    /// Writes the history if it changed; on failure it stays dirty for the next attempt. Once written, the ends the
    /// live state recorded up to then are dropped from it (its next write carries that).
    /// </summary>
    public async Task WriteHistoryAsync(CancellationToken cancellationToken)
    {
        if (!HistoryDirty)
        {
            return;
        }

        HistoryDirty = false;
        var journaled = state.State.Ending.Count; // every one of them is in the history by now (ended after its write)
        try
        {
            try
            {
                await history.WriteStateAsync(cancellationToken);
            }
            catch (InconsistentStateException)
            {
                // Found by review: a history write whose answer was lost (it landed after its timeout) left the stored
                // ETag ahead of this copy's, and every later write, the one at deactivation included, was refused: what
                // ended since was lost on reload. The registry is the history's one writer, so what is stored is an
                // older copy of memory's: read it for its ETag, keep what either holds, and write again.
                var mine = history.State.Ended;
                await history.ReadStateAsync(cancellationToken);
                var ids = mine.Select(f => f.Id).ToHashSet(StringComparer.Ordinal);
                var merged = history.State.Ended.Where(f => !ids.Contains(f.Id)).Concat(mine).ToList();
                Trim(merged);
                history.State.Ended = merged;
                await history.WriteStateAsync(cancellationToken);
            }
        }
        catch (Exception e)
        {
            HistoryDirty = true;
            _historyWrites.Failed(e);
            throw;
        }

        _historyWrites.Landed();
        state.State.Ending.RemoveRange(0, Math.Min(journaled, state.State.Ending.Count));
    }

    private static void Trim(List<Fault> ended)
    {
        if (ended.Count > EndedKept)
        {
            ended.RemoveRange(0, ended.Count - EndedKept);
        }
    }

}
