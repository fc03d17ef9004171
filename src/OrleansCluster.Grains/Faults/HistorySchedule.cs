namespace OrleansCluster.Grains.Faults;

/// <summary>
/// When the registry writes its history of ended faults: within <see cref="Delay"/> of an end the history does not
/// hold yet, at once when the live record carries <see cref="JournalFlush"/> such ends, and never later than the write
/// is already due. Pure timing, with the time given: the grain sets its history timer to what this answers.
/// </summary>
internal sealed class HistorySchedule
{
    /// <summary>How long the history waits behind an end, so that a burst of ends is written once.</summary>
    public static readonly TimeSpan Delay = TimeSpan.FromSeconds(1);

    // Ends the live record may carry before the history is written at once rather than a second later. Every live
    // write carries them (Journal), so at a high rate of clears a second's worth, hundreds, rode on every write: with
    // 16 callers clearing as fast as answered, each write cost as much as the rate made it, and the registry settled
    // near 200 calls/s. At once from 32, a write carries at most about that many, and the history's own write (up to
    // 1,000 faults) comes once per 32 ends.
    public const int JournalFlush = 32;

    private bool _soon; // the write is set to run at once; cleared by a write that lands
    private DateTimeOffset? _due; // when the write is set to run, null when it is not

    /// <summary>
    /// The wait to set the history timer to so that the write runs within <paramref name="delay"/> of
    /// <paramref name="now"/>, or null when it is already set to run by then: found by review, every commit while the
    /// history waited set it a second ahead again, so under a steady stream of calls the write at once from 32 ends
    /// (and the one a second after the first end) slipped for as long as the stream lasted.
    /// </summary>
    public TimeSpan? Within(DateTimeOffset now, TimeSpan delay)
    {
        var due = now + delay;
        if (_due is { } set && set <= due)
        {
            return null;
        }

        _due = due;
        return delay;
    }

    /// <summary>
    /// Whether the write is due at once now that the live record carries <paramref name="journaled"/> ends: once, until
    /// a write lands (<see cref="Written"/>), so that one that fails is retried a second later, not at every end after it.
    /// </summary>
    public bool FlushNow(int journaled)
    {
        if (_soon || journaled < JournalFlush)
        {
            return false;
        }

        _soon = true;
        return true;
    }

    /// <summary>The timer has run (or the deactivation writes): a later end sets it again.</summary>
    public void Ran() => _due = null;

    /// <summary>A write landed: the next <see cref="JournalFlush"/> ends call for one at once again.</summary>
    public void Written() => _soon = false;
}
