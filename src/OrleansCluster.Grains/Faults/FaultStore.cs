using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Faults;

/// <summary>
/// The registry's two durable states: the live faults with the counters and idempotency keys, written before a
/// mutation answers (and put back as they were when the write fails, so that a failed write changes nothing), and
/// the history of ended faults, written behind them by the registry's timer.
/// </summary>
internal sealed class FaultStore(IPersistentState<FaultRegistryState> state, IPersistentState<FaultHistoryState> history)
{
    private const int EndedKept = 1000;

    /// <summary>The live state.</summary>
    public FaultRegistryState State => state.State;

    /// <summary>The faults that have ended, oldest first (at most the last 1,000).</summary>
    public List<Fault> Ended => history.State.Ended;

    /// <summary>Whether ended faults wait to be written.</summary>
    public bool HistoryDirty { get; private set; }

    /// <summary>
    /// Whether the live faults as last written differ from those in memory: an expiry whose write failed (storage
    /// down), or a stored fault found ended when it was read. The next successful write of the live state clears it.
    /// </summary>
    public bool LiveDirty { get; private set; }

    /// <summary>What a mutation may change in the live state, to put back if its write fails.</summary>
    public Undo Checkpoint()
    {
        var s = state.State;
        return new(s.NextId, new(s.InjectedByKind, StringComparer.Ordinal), new(s.FailuresByCause, StringComparer.Ordinal), s.Faults, [.. s.Idempotency]);
    }

    /// <summary>
    /// Writes <paramref name="live"/> as the faults pending or in force, with whatever else the caller changed in
    /// <see cref="State"/>. When the write fails the state is put back as <paramref name="undo"/> had it and the
    /// error goes to the caller, which changes its in-memory faults only after this returns.
    /// </summary>
    public async Task CommitAsync(IEnumerable<Fault> live, Undo undo)
    {
        ArgumentNullException.ThrowIfNull(undo);
        var s = state.State;
        s.Faults = live.Select(FaultIntake.Stored).ToList();
        try
        {
            await state.WriteStateAsync();
            LiveDirty = false;
        }
        catch
        {
            (s.NextId, s.InjectedByKind, s.FailuresByCause, s.Faults, s.Idempotency) = (undo.NextId, undo.InjectedByKind, undo.FailuresByCause, undo.Faults, undo.Idempotency);
            throw;
        }
    }

    /// <summary>
    /// Writes <paramref name="live"/> (after a change that needs no undo: expiry, a new run). When the write fails
    /// the state in memory keeps <paramref name="live"/> and <see cref="LiveDirty"/> says a write is still due.
    /// </summary>
    public async Task SaveAsync(IEnumerable<Fault> live)
    {
        state.State.Faults = live.Select(FaultIntake.Stored).ToList();
        LiveDirty = true;
        await state.WriteStateAsync();
        LiveDirty = false;
    }

    /// <summary>Notes that the live faults in memory differ from those stored, so that the next pass writes them.</summary>
    public void LiveChanged() => LiveDirty = true;

    /// <summary>Adds an ended fault to the history; true when the history was clean until now (a write is due).</summary>
    public bool End(Fault fault)
    {
        var ended = history.State.Ended;
        ended.Add(fault);
        if (ended.Count > EndedKept)
        {
            ended.RemoveRange(0, ended.Count - EndedKept);
        }

        var first = !HistoryDirty;
        HistoryDirty = true;
        return first;
    }

    /// <summary>Writes the history if it changed; on failure it stays dirty for the next attempt.</summary>
    public async Task WriteHistoryAsync(CancellationToken cancellationToken)
    {
        if (!HistoryDirty)
        {
            return;
        }

        HistoryDirty = false;
        try
        {
            await history.WriteStateAsync(cancellationToken);
        }
        catch
        {
            HistoryDirty = true;
            throw;
        }
    }

    /// <summary>The parts of the live state a mutation changes, as they were before it.</summary>
    public sealed record Undo(
        long NextId,
        Dictionary<string, long> InjectedByKind,
        Dictionary<string, long> FailuresByCause,
        List<Fault> Faults,
        List<IdempotencyRecord> Idempotency);
}
