using Microsoft.Extensions.Logging;
using Orleans.Storage;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Faults;

/// <summary>
/// The registry's two durable states: the live faults with the counters and idempotency keys, written before a
/// mutation answers (and put back as they were when the write fails, so that a failed write changes nothing), and
/// the history of ended faults, written behind them by the registry's timer.
/// </summary>
internal sealed partial class FaultStore(IPersistentState<FaultRegistryState> state, IPersistentState<FaultHistoryState> history, TimeProvider time, ILogger logger)
{
    private const int EndedKept = FaultHistory.Kept;
    private readonly FailedWrites _liveWrites = new(time);
    private readonly FailedWrites _historyWrites = new(time);
    private readonly RecordSequence _sequence = new(); // this activation's writes of the live record, in order
    private Guid? _unsettled; // the write whose outcome is unknown: neither it nor a read back answered
    private (long Epoch, ScenarioSource Scenario, int BlockSize)? _runBehind; // the same run laid out again, no write tried since

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
    /// gone unwritten longer, or a mutation's write whose outcome is not known yet (<see cref="Unsettled"/>). A failed
    /// mutation is not counted otherwise: it was put back, and memory matches storage.
    /// </summary>
    public UnwrittenRecord? Unwritten =>
        new[] { LiveDirty || Unsettled ? _liveWrites.Unwritten : null, HistoryDirty ? _historyWrites.Unwritten : null }
            .OfType<UnwrittenRecord>()
            .MaxBy(u => u.Seconds);

    /// <summary>The live state as it is before a mutation, to put back if its write fails.</summary>
    public FaultRegistryState Checkpoint() => state.State.Copy();

    /// <summary>
    /// Writes <paramref name="live"/> as the faults pending or in force, with whatever else the caller changed in
    /// <see cref="State"/>, and returns once storage holds it: the caller then changes its in-memory faults. A write
    /// refused (a stale ETag) changed nothing: the state is put back as <paramref name="undo"/> had it and the error
    /// goes to the caller. A write whose outcome is unknown (it timed out, or the connection failed: a paused Redis
    /// runs it later) is settled by reading the record back: found by probing, the registry kept its undo while the
    /// write landed, and answered every read for minutes that the change was not made. Held there, it returns as a
    /// write that landed; not held, the state is put back and <see cref="WriteNotMadeException"/> thrown; when the read
    /// fails too, <see cref="WriteUnsettledException"/>, and the registry answers nothing until <see cref="SettleAsync"/>
    /// succeeds.
    /// </summary>
    public async Task CommitAsync(IEnumerable<Fault> live, FaultRegistryState undo)
    {
        ArgumentNullException.ThrowIfNull(undo);
        state.State.Faults = live.Select(FaultIntake.Stored).ToList();
        try
        {
            await WriteLiveAsync();
            LiveDirty = false;
            return;
        }
        catch (InconsistentStateException)
        {
            PutBack(undo);
            throw;
        }
        catch (Exception e)
        {
            var write = state.State.WriteId;
            bool landed;
            try
            {
                landed = await HoldsAsync(write);
            }
            catch (Exception readError)
            {
                _liveWrites.Failed(readError);
                PutBack(undo);
                _unsettled = write;
                throw new WriteUnsettledException($"the faults' write failed ({Describe(e)}) and storage could not be read back ({Describe(readError)}): whether the change was made is not known until it can");
            }

            if (!landed)
            {
                PutBack(undo);
                throw new WriteNotMadeException($"the faults' write failed ({Describe(e)}); storage, read back, does not hold it: the change was not made");
            }
        }

        // Landed after all: storage holds memory's record, and the read gave its ETag.
        LiveDirty = false;
        _sequence.Landed(state.State.Sequence);
        _liveWrites.Landed();
    }

    /// <summary>Whether a write's outcome is unknown (<see cref="CommitAsync"/>): the registry answers nothing until <see cref="SettleAsync"/> succeeds.</summary>
    public bool Unsettled => _unsettled is not null;

    /// <summary>
    /// Reads the live record back after a write whose outcome was unknown. Not made: memory, put back before, stands
    /// (with the stored ETag), and this returns false. Made: <see cref="State"/> becomes the record read, and this
    /// returns true; the caller rebuilds what it holds from it. A read that fails throws
    /// <see cref="WriteUnsettledException"/>, and the write stays unsettled.
    /// </summary>
    public async Task<bool> SettleAsync()
    {
        if (_unsettled is not { } write)
        {
            return false;
        }

        var mine = state.State;
        try
        {
            await state.ReadStateAsync();
        }
        catch (Exception e)
        {
            state.State = mine;
            _liveWrites.Failed(e);
            throw new WriteUnsettledException($"the faults' last write timed out or lost its connection and storage cannot be read back yet ({Describe(e)}): whether it was made is not known until it can");
        }

        _unsettled = null;
        if (state.RecordExists && state.State.WriteId == write)
        {
            LiveDirty = false;
            _sequence.Landed(state.State.Sequence);
            _liveWrites.Landed();
            if (_runBehind is { } run)
            {
                // The write settled was made before the run was laid out again: the layout stands, written behind.
                RunBehind(run.Epoch, run.Scenario, run.BlockSize);
            }

            return true;
        }

        state.State = mine;
        if (!LiveDirty)
        {
            _liveWrites.PutBack();
        }

        return false;
    }

    // The state as it was before a write that was not made. Memory then matches storage, unless an expiry is still
    // unwritten (LiveDirty), which the next write carries.
    private void PutBack(FaultRegistryState undo)
    {
        state.State = undo;
        if (!LiveDirty)
        {
            // Found by review: the failure's time stayed, and an expiry unwritten an hour later read an hour.
            _liveWrites.PutBack();
        }
    }

    // Whether storage holds the record `write` stored, read for its ETag while the state in memory is kept.
    private async Task<bool> HoldsAsync(Guid write)
    {
        var mine = state.State;
        try
        {
            await state.ReadStateAsync();
            return state.RecordExists && state.State.WriteId == write;
        }
        finally
        {
            state.State = mine;
        }
    }

    private static string Describe(Exception e)
    {
        var cause = e.GetBaseException();
        return $"{cause.GetType().Name}: {cause.Message}";
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
    // record's one writer: with none stored, memory's is written again.
    // Found by probing: a Redis restarted from an older snapshot (or a backup, or a lagging replica) holds an older
    // record, which was refused the same way: the grain went and its next activation took the older record in, a fault
    // the operator cleared back in force, one injected (answered 201) gone from the list and the history, and its id
    // given to the next fault. The write sequence tells storage gone back from a later writer (RecordSequence): a record
    // no later than this activation read or wrote (or one of its own whose answer was lost) is written over from memory,
    // with the id counter past both, so that no id is used twice; only a record another activation wrote after this
    // one's last write is refused, and the grain goes, as before.
    private async Task WriteLiveAsync()
    {
        try
        {
            try
            {
                Stamp();
                _runBehind = null; // this write carries it, and memory keeps it whatever comes of the write
                await state.WriteStateAsync();
            }
            catch (InconsistentStateException)
            {
                var stored = await ReadLiveAsync();
                switch (_sequence.Judge(stored is not null, stored?.Writer ?? Guid.Empty, stored?.Sequence ?? 0))
                {
                    case RecordSequence.Stored.Later:
                        throw;
                    case RecordSequence.Stored.Older:
                        LogWentBack(logger, stored!.Sequence, stored.Faults.Count, stored.NextId, state.State.Sequence, state.State.Faults.Count, state.State.NextId);
                        break;
                }

                state.State.NextId = Math.Max(state.State.NextId, stored?.NextId ?? 0); // an id storage handed out is not handed out again
                Stamp();
                await state.WriteStateAsync();
                HistoryDirty |= stored?.Writer != _sequence.Writer; // storage that lost (or went back on) this record most likely did the history too: written again behind it
            }
        }
        catch (Exception e)
        {
            _liveWrites.Failed(e);
            throw;
        }

        _sequence.Landed(state.State.Sequence);
        _liveWrites.Landed();
    }

    // Marks the live record for its next write: by this activation, under a new write id and the next sequence.
    private void Stamp()
    {
        state.State.WriteId = Guid.NewGuid();
        state.State.Writer = _sequence.Writer;
        state.State.Sequence = _sequence.Stamp(state.State.Sequence);
    }

    // The live record storage holds (null when none), read for its ETag while the state in memory is kept.
    private async Task<FaultRegistryState?> ReadLiveAsync()
    {
        var mine = state.State;
        try
        {
            await state.ReadStateAsync();
            return state.RecordExists ? state.State : null;
        }
        finally
        {
            state.State = mine;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "storage went back in time: it holds an older record of the faults (write {StoredSequence}: {StoredFaults} faults pending or in force, next id {StoredNextId}) than this registry read or wrote (write {Sequence}: {Faults} faults, next id {NextId}); it lost the writes between (restarted from an older snapshot or a backup, or failed over to a lagging replica). The faults are written again from memory, and the history behind them")]
    private static partial void LogWentBack(ILogger logger, long storedSequence, int storedFaults, long storedNextId, long sequence, int faults, long nextId);

    /// <summary>
    /// The run stored laid out again under <paramref name="epoch"/> (blocks of <paramref name="blockSize"/> nodes), taken
    /// in memory at once and written behind it (<see cref="LiveDirty"/>: the registry's timer writes it, and retries): found
    /// by probing, the layout of a job whose silo left while Redis was paused waited on this write, which could not
    /// land, and the job did not step for as long as Redis stayed paused. A write whose outcome is unknown, made before,
    /// and settled as landed (<see cref="SettleAsync"/>) takes it again over the record read; any write tried after
    /// carries it (memory put back after a write not made still holds it: the undo was taken after it).
    /// </summary>
    public void RunBehind(long epoch, ScenarioSource scenario, int blockSize)
    {
        state.State.BeginRun(epoch, scenario, blockSize);
        _runBehind = (epoch, scenario, blockSize);
        LiveDirty = true;
    }

    /// <summary>
    /// Sets <paramref name="live"/> as the faults pending or in force in the live state, without writing it: a hand-over
    /// carries the state in memory to the next activation, which writes it behind.
    /// </summary>
    public void Carry(IEnumerable<Fault> live) => state.State.Faults = live.Select(FaultIntake.Stored).ToList();

    /// <summary>This activation, in the live records it writes (or the one that handed the registry over to it: <see cref="Continue"/>).</summary>
    public Guid Writer => _sequence.Writer;

    /// <summary>The highest sequence of the live record this activation read, or knows storage held from it.</summary>
    public long Known => _sequence.Known;

    /// <summary>
    /// The registry was handed over to this activation by <paramref name="writer"/>'s, which writes no more and knew
    /// storage to hold <paramref name="known"/>: this one writes as it (<see cref="RecordSequence.Continue"/>), so that a
    /// write of the other's that storage runs late is taken for its own and written over, rather than for a later
    /// writer's, which would refuse every write of this one.
    /// </summary>
    public void Continue(Guid writer, long known) => _sequence.Continue(writer, known);

    /// <summary>
    /// Reads both records again as storage holds them (a hand-over whose state may not be storage's: a write's outcome
    /// was not known when it left).
    /// </summary>
    public async Task ReadAgainAsync()
    {
        await state.ReadStateAsync();
        await history.ReadStateAsync();
    }

    /// <summary>Notes that the history in memory may differ from the one stored, so that its next write is made.</summary>
    public void HistoryChanged() => HistoryDirty = true;

    /// <summary>Notes that the live faults in memory differ from those stored, so that the next pass writes them.</summary>
    public void LiveChanged() => LiveDirty = true;

    /// <summary>
    /// Notes in the live state how <paramref name="ending"/> end, before the write that takes them out of the live
    /// faults: that write then records their end too, whatever becomes of the history's own write; and the HBM rows
    /// they spared join the nodes' tally (<see cref="FaultRegistryState.RemappedRows"/>) in that same write, as they
    /// leave the live faults that counted them until then.
    /// </summary>
    public void Journal(IEnumerable<Fault> ending)
    {
        var journal = state.State.Ending;
        foreach (var fault in ending)
        {
            journal.Add(FaultIntake.Stored(fault)); // a site's fault without its node list, as the live faults keep it
            Tally(fault);
        }

        if (journal.Count > EndedKept)
        {
            journal.RemoveRange(0, journal.Count - EndedKept);
        }
    }

    /// <summary>
    /// Adds the HBM rows <paramref name="ended"/> spared, to its end, to its nodes' tally: for a fault the stored live
    /// faults still held though it had ended (<see cref="FaultRestore.Restored.EndedAlready"/>: the write that took it out
    /// with its rows did not land), as <see cref="Journal"/> does for every other.
    /// </summary>
    public void Tally(Fault ended)
    {
        ArgumentNullException.ThrowIfNull(ended);
        var rows = FaultBook.RowsSpared(ended, ended.EndsAt ?? DateTimeOffset.MaxValue);
        if (rows == 0)
        {
            return;
        }

        var tally = state.State.RemappedRows;
        foreach (var node in ended.Targets.Nodes)
        {
            tally[node] = (int)Math.Min(int.MaxValue, (long)tally.GetValueOrDefault(node) + rows);
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
