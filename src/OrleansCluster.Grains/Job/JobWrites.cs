using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Faults;

namespace OrleansCluster.Grains.Job;

/// <summary>
/// The job's record writes as bookkeeping: the activation that writes (and whether another has taken the record over),
/// each write's id, what a failed write leaves owed (the record, the fault registry's records), how long the record has
/// gone unwritten (for <c>/healthz</c>), and a control call's change whose write's outcome is not known: the verdict of
/// a read back, what is put back or made again, and the words of the 503 it answers. No grain and no storage: the grain
/// writes and reads back, and tells this what came of it (and the <see cref="JobCadence"/> when a write landed).
/// </summary>
internal sealed class JobWrites(TimeProvider time)
{
    /// <summary>
    /// How often a job that stands still (paused, or stopped with a scenario) reads its record back: one small read each
    /// time. Found by probing: such a job writes nothing of its own, so a Redis that restarted empty (or from an older
    /// snapshot) while it was paused kept nothing of it, nor of the registry's faults (its write again follows the
    /// job's): silos restarted as docs/cluster.md advised came up at step 0 with no fault, and nothing said so. What the
    /// read finds (<see cref="Found(JobRecord?)"/>) is written over from memory, as a running job's next write does
    /// within a second, or stands the job down.
    /// </summary>
    public static readonly TimeSpan WatchEvery = TimeSpan.FromSeconds(5);

    private readonly FailedWrites _failed = new(time);
    private readonly RecordSequence _sequence = new();

    /// <summary>What a refused write (its ETag stale) found stored.</summary>
    public enum Stored
    {
        /// <summary>A record this activation wrote: a write of its own whose answer was lost.</summary>
        ThisActivation,

        /// <summary>A record another activation wrote after this one's last write: this one writes no more.</summary>
        Another,

        /// <summary>No record at all (storage restarted empty).</summary>
        None,

        /// <summary>
        /// A record no later than the one this activation read or last wrote (<see cref="RecordSequence"/>): storage went
        /// back in time and lost this activation's writes since; memory's record is written over it.
        /// </summary>
        Older,
    }

    /// <summary>What a read back says of a write whose outcome was not known.</summary>
    public enum ReadBack
    {
        /// <summary>Storage holds the write: the change was made.</summary>
        Held,

        /// <summary>Storage does not hold it: the change was not made.</summary>
        NotHeld,

        /// <summary>Another activation wrote the record since: this one writes no more.</summary>
        Superseded,

        /// <summary>Storage holds a record older than this activation read or wrote (it went back in time): not held.</summary>
        Older,
    }

    /// <summary>This activation, in the records it writes (or the one that handed the job over to it: <see cref="Continue"/>).</summary>
    public Guid Writer => _sequence.Writer;

    /// <summary>The highest sequence this activation read, or knows storage held from it (carried on a hand-over).</summary>
    public long Known => _sequence.Known;

    /// <summary>
    /// Whether storage looks healthy from here: no write owed or failed since the last that landed, none unsettled, and
    /// the record not written by another activation since.
    /// </summary>
    public bool Healthy => !SaveOwed && Unwritten is null && Unsettled is null && !Superseded;

    /// <summary>Another activation wrote the record: this one writes no more.</summary>
    public bool Superseded { get; private set; }

    /// <summary>A write failed since the last that succeeded.</summary>
    public bool SaveOwed { get; private set; }

    /// <summary>Storage lost the job's record: the registry is told to write its own again at the next write.</summary>
    public bool RegistryWriteOwed { get; private set; }

    /// <summary>A control call's change whose write's outcome is not known, until a read back settles it.</summary>
    public UnsettledChange? Unsettled { get; private set; }

    /// <summary>How long the record has gone unwritten and why, when a write failed since the last that landed.</summary>
    public UnwrittenRecord? Unwritten => _failed.Unwritten;

    /// <summary>
    /// Marks <paramref name="job"/> for its next write: whether a clean hand-over, by this activation, under a new write id
    /// and the next sequence.
    /// </summary>
    public void Stamp(JobRecord job, bool clean)
    {
        ArgumentNullException.ThrowIfNull(job);
        job.Clean = clean;
        job.Writer = Writer;
        job.WriteId = Guid.NewGuid();
        job.Sequence = _sequence.Stamp(job.Sequence);
    }

    /// <summary>
    /// The job was handed over to this activation by <paramref name="writer"/>'s, which writes no more: this one writes as
    /// it, so that a write of the other's that storage runs late (a paused Redis) is taken for its own, written again over,
    /// rather than for another activation's, which would stand this one down. The record is owed a write: the hand-over
    /// made none. <paramref name="known"/> is the last sequence the other knew storage to hold.
    /// </summary>
    public void Continue(Guid writer, long known)
    {
        _sequence.Continue(writer, known);
        SaveOwed = true;
    }

    /// <summary>
    /// A write failed with <paramref name="error"/>, whatever the path, so that <c>/healthz</c> can say how long the record
    /// has gone unwritten (found by probing: it said healthy through a Redis outage of any length, while a silo lost
    /// meanwhile took every step since).
    /// </summary>
    public void Failed(Exception error) => _failed.Failed(error);

    /// <summary>A write of <paramref name="sequence"/> landed, or storage holds it after all (its answer was lost): nothing is owed.</summary>
    public void Landed(long sequence)
    {
        _sequence.Landed(sequence);
        _failed.Landed();
        SaveOwed = false;
    }

    /// <summary>A write from the step loop failed: it is owed until one lands.</summary>
    public void Owe() => SaveOwed = true;

    /// <summary>The registry wrote its records again.</summary>
    public void RegistryWritten() => RegistryWriteOwed = false;

    /// <summary>Another activation wrote the record: this one steps down.</summary>
    public void StandDown() => Superseded = true;

    /// <summary>
    /// What a write refused for its stale ETag found <paramref name="stored"/> (null: no record), or what a read back of a
    /// job that stands still found (<c>JobGrain.WatchRecordAsync</c>). Found by review: a write whose answer was lost
    /// (storage paused past the client's timeout, then ran it) leaves the stored ETag ahead of the grain's, and every
    /// later write was refused; saved from the timer, where Orleans does not deactivate the grain, the job failed a step
    /// and laid its tree out again every second for good: this activation's own record is written again over. Found by
    /// probing: a Redis restarted empty holds no record at all, which was taken for another activation's, and the job
    /// stopped for good with nothing saying so (<see cref="Stored.None"/>: this activation's is the only one, written
    /// again); a Redis restarted from an older snapshot (or a backup, or a lagging replica) held an older activation's
    /// record, which was taken for a later writer's, and the next activation ran the older scenario at the older step
    /// and pace (<see cref="Stored.Older"/>, told apart by <see cref="RecordSequence"/>: written over from memory). Only
    /// a record another activation wrote after this one's last write stands this one down.
    /// </summary>
    public Stored Found(JobRecord? stored) => Found(stored is not null, stored?.Writer ?? Guid.Empty, stored?.Sequence ?? 0);

    /// <summary>
    /// What a refused write found stored: a record (<paramref name="exists"/>) by <paramref name="writer"/> under
    /// <paramref name="sequence"/>. No record, or an older one, leaves the registry's write owed: storage lost (or went
    /// back on) its records too, most likely.
    /// </summary>
    public Stored Found(bool exists, Guid writer, long sequence)
    {
        switch (_sequence.Judge(exists, writer, sequence))
        {
            case RecordSequence.Stored.None:
                RegistryWriteOwed = true;
                return Stored.None;
            case RecordSequence.Stored.Mine:
                return Stored.ThisActivation;
            case RecordSequence.Stored.Older:
                RegistryWriteOwed = true;
                return Stored.Older;
            default:
                Superseded = true;
                return Stored.Another;
        }
    }

    /// <summary>Whether storage, read back, holds <paramref name="write"/>: <paramref name="stored"/> (null: no record) holds it.</summary>
    public ReadBack Verdict(Guid write, JobRecord? stored) =>
        Verdict(write, stored is not null, stored?.Writer ?? Guid.Empty, stored?.Sequence ?? 0, stored?.WriteId ?? Guid.Empty);

    /// <summary>
    /// Whether storage, read back, holds <paramref name="write"/>: a record (<paramref name="exists"/>) by
    /// <paramref name="writer"/> under <paramref name="sequence"/> and <paramref name="writeId"/>. One another activation
    /// wrote after this one's last write stands this one down, as a refused write does; no record stored (storage
    /// restarted empty), or an older one (storage went back in time), is not held, and the registry's write is owed.
    /// </summary>
    public ReadBack Verdict(Guid write, bool exists, Guid writer, long sequence, Guid writeId)
    {
        var stored = _sequence.Judge(exists, writer, sequence);
        if (exists && writeId == write)
        {
            return ReadBack.Held;
        }

        switch (stored)
        {
            case RecordSequence.Stored.Later:
                Superseded = true;
                return ReadBack.Superseded;
            case RecordSequence.Stored.Older:
                RegistryWriteOwed = true;
                return ReadBack.Older;
            default:
                RegistryWriteOwed |= !exists;
                return ReadBack.NotHeld;
        }
    }

    /// <summary>
    /// A change's write failed with <paramref name="writeError"/> and storage, read back, does not hold it: memory is put
    /// back to <paramref name="before"/> (and nothing is owed unless a write was already); the exception to answer. The
    /// API answers it 503, "the change was not made", so the change must not stay in memory (found by probing: a pause
    /// answered 503 paused the job).
    /// </summary>
    public WriteNotMadeException NotMade(JobRecord job, JobRecord before, Exception writeError)
    {
        ArgumentNullException.ThrowIfNull(job);
        job.Restore(before);
        PutBack();
        return new WriteNotMadeException($"the job's record's write failed ({Describe(writeError)}); storage, read back, does not hold it: the change was not made", writeError);
    }

    /// <summary>
    /// A change's write failed with <paramref name="writeError"/> and storage could not be read back
    /// (<paramref name="readError"/>): memory holds the record as <paramref name="before"/> the change, and
    /// <paramref name="change"/> waits for a read back (<see cref="Settled"/>); the exception to answer. The job neither
    /// steps, writes nor takes a change meanwhile. Found by probing: a write whose outcome is unknown (it timed out, or its
    /// connection failed: a paused Redis runs it when it goes on) was taken for not made, and a resume answered 503
    /// "undone here" was run by storage later: the record said running while the job said paused.
    /// </summary>
    public WriteUnsettledException Unknown(JobRecord job, JobRecord before, UnsettledChange change, Exception writeError, Exception readError)
    {
        ArgumentNullException.ThrowIfNull(job);
        job.Restore(before);
        Unsettled = change;
        return new WriteUnsettledException($"the job's record's write failed ({Describe(writeError)}) and storage could not be read back ({Describe(readError)}): whether the change was made is not known until it can, and the job takes no change meanwhile", writeError);
    }

    /// <summary>The read back of the unsettled change failed again with <paramref name="readError"/>: it stays unsettled; the exception to answer.</summary>
    public WriteUnsettledException StillUnknown(Exception readError)
    {
        _failed.Failed(readError);
        return new WriteUnsettledException($"the job's last control call's write timed out or lost its connection and storage cannot be read back yet ({Describe(readError)}): whether it was made is not known until it can, and the job takes no change meanwhile");
    }

    /// <summary>
    /// A read back settled the unsettled change: <paramref name="made"/>, the change is made again over memory (which held
    /// the record as before it) under the write's id, as a write that landed, and what follows it is returned to do; not
    /// made, memory stands as it is.
    /// </summary>
    public Func<Task>? Settled(JobRecord job, bool made)
    {
        ArgumentNullException.ThrowIfNull(job);
        var unsettled = Unsettled ?? throw new InvalidOperationException("no change is unsettled");
        Unsettled = null;
        if (!made)
        {
            PutBack();
            return null;
        }

        unsettled.Change();
        job.WriteId = unsettled.Write;
        Landed(job.Sequence);
        return unsettled.Then;
    }

    // Memory was put back as storage holds it: nothing is owed, unless a write of the step loop's was already.
    private void PutBack()
    {
        if (!SaveOwed)
        {
            _failed.PutBack();
        }
    }

    private static string Describe(Exception e) => $"{e.GetBaseException().GetType().Name}: {e.GetBaseException().Message}";

    /// <summary>
    /// A control call's change whose write's outcome is not known: the write, the change and what follows it once made
    /// (a load's layout). Memory holds the record as it was before the change until a read back says whether storage holds it.
    /// </summary>
    public sealed record UnsettledChange(Guid Write, Action Change, Func<Task>? Then);
}
