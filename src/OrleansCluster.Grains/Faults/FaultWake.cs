using OrleansCluster.Grains.Job;

namespace OrleansCluster.Grains.Faults;

/// <summary>
/// How long the registry's timer waits: until the next moment a fault starts, turns its phase or ends, or sooner to
/// retry a push or a write that failed, never longer than a grain timer allows. Pure arithmetic on the times given.
/// </summary>
internal static class FaultWake
{
    /// <summary>How soon a failed push or write is tried again.</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The wait from <paramref name="end"/> (the clock at the end of the pass) to <paramref name="next"/> (the next
    /// change, null when none is scheduled), or to <see cref="RetryDelay"/> after <paramref name="end"/> when
    /// <paramref name="retry"/> and that comes sooner; <see cref="Timeout.InfiniteTimeSpan"/> when nothing is due. The
    /// wait runs from the end of the pass: one held up by a write that timed out (storage down) may end after its next
    /// change, and a retry straight away would keep the registry busy with writes that fail.
    /// </summary>
    public static TimeSpan Wait(DateTimeOffset? next, DateTimeOffset end, bool retry)
    {
        if (retry && (next is null || next > end + RetryDelay))
        {
            next = end + RetryDelay;
        }

        // Found by probing: a fault may start or end up to 1e7 s (116 days) away, and a grain timer refuses a wait over
        // about 49.7 days; the throw failed every call that set the timer and, from the stored faults, every
        // activation. A long wait is cut into waits of at most an hour, as the job's is (a pass that finds nothing due
        // only sets the timer again).
        var wait = next is { } due ? (due > end ? due - end : TimeSpan.Zero) : Timeout.InfiniteTimeSpan;
        return wait > JobCadence.MaxTimerWait ? JobCadence.MaxTimerWait : wait;
    }
}
