namespace OrleansCluster.Grains;

/// <summary>
/// One activation's writes of its grain's one record, numbered: each write carries this activation's id and a sequence
/// one past the last it stamped, which starts from the sequence of the record the activation read. A write refused for
/// a stale ETag is then told apart by what storage holds (<see cref="Judge"/>): a later write of another activation
/// (Orleans' single activation broken, as while storage was out of reach: this one stands down), or a record no newer
/// than what this activation read or wrote (storage went back in time: restarted from an older snapshot, restored
/// from a backup, failed over to a lagging replica; or a write of its own whose answer was lost): memory's record is
/// written over it. Found by probing: both were taken for another activation's, and the grain reloaded the older
/// record, undoing what it had answered as done. A record written before the sequence was kept reads 0: older than
/// any this activation read or wrote, so it is written over. No grain and no storage.
/// </summary>
internal sealed class RecordSequence
{
    private long _stamped;
    private bool _started;

    /// <summary>What a write refused for its ETag found stored.</summary>
    public enum Stored
    {
        /// <summary>No record at all (storage restarted empty, or was emptied).</summary>
        None,

        /// <summary>A record this activation wrote, no older than its last known to have landed (a write whose answer was lost).</summary>
        Mine,

        /// <summary>A record older than the one this activation read or last wrote (its own included): storage went back in time.</summary>
        Older,

        /// <summary>A record another activation wrote after this one's last write: this one writes no more.</summary>
        Later,
    }

    /// <summary>This activation, in the records it writes (or the one that handed its grain over to it: <see cref="Continue"/>).</summary>
    public Guid Writer { get; private set; } = Guid.NewGuid();

    /// <summary>
    /// This activation writes as <paramref name="writer"/>'s, which handed the grain over to it (a migration) and writes no
    /// more: a write of the other's that storage runs late is then its own. What storage is known to hold goes on from the
    /// other's <paramref name="known"/> (the last write of its known to have landed, not one in flight, which would make
    /// a late landing of that write look like storage gone back); the sequence goes on past the record handed over
    /// (<see cref="Stamp"/>).
    /// </summary>
    public void Continue(Guid writer, long known)
    {
        Writer = writer;
        (_started, _stamped, Known) = (true, known, known);
    }

    /// <summary>The highest sequence this activation read, or knows storage held from it.</summary>
    public long Known { get; private set; }

    /// <summary>
    /// The sequence of this activation's next write of a record that holds <paramref name="current"/> (at the first
    /// write: the sequence of the record it read, 0 when none or one written before the sequence was kept).
    /// </summary>
    public long Stamp(long current)
    {
        if (!_started)
        {
            (_started, _stamped, Known) = (true, current, current);
        }

        _stamped = Math.Max(_stamped, current); // past a record handed over (Continue) that holds a write still in flight
        return ++_stamped;
    }

    /// <summary>A write of <paramref name="sequence"/> landed (or storage, read back, holds it).</summary>
    public void Landed(long sequence)
    {
        Known = Math.Max(Known, sequence);
        _stamped = Math.Max(_stamped, sequence);
    }

    /// <summary>
    /// What a write refused for its ETag found stored: a record (<paramref name="exists"/>) written by
    /// <paramref name="writer"/> under <paramref name="sequence"/>.
    /// </summary>
    public Stored Judge(bool exists, Guid writer, long sequence)
    {
        if (!exists)
        {
            return Stored.None;
        }

        if (writer == Writer && sequence >= Known)
        {
            Landed(sequence);
            return Stored.Mine;
        }

        return writer != Writer && sequence > Known ? Stored.Later : Stored.Older;
    }
}
