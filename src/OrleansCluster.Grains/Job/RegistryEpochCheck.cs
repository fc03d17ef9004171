using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Job;

/// <summary>
/// Whether the fault registry tells its effects under the job's layout, asked about once a second while the job runs
/// (at realtime pace the timer wakes at most <see cref="Interval"/> apart for it), without the step waiting on the
/// answer. The registry writes the same run's new layout behind it (so that a layout does not wait on a paused
/// storage); one lost before that write landed comes back on an older epoch, whose pushes (injections, clears,
/// expiries) the blocks and links ignore, and nothing else would lay the tree out again (found by review, fix-drain2).
/// Any other answer than the layout is acted on, not an older one alone: a registry ahead of the job (the job resumed
/// from a record two layouts old) or with no run laid out (<c>IFaultRegistryGrain.NotLaidOut</c>) refuses every
/// hand-over too (found by review, fix-epoch-check). Bookkeeping only: the grain makes the call and lays the tree out
/// again, under an epoch past the registry's.
/// A registry ahead of the layout is acted on only once the job's own write of its record has landed since the answer
/// (<see cref="ActsOn"/>). Found by review (fix-relayout): two activations of the job at once (a Redis paused, so that
/// neither's write finds the other's record and stands it down) each saw the other's layout as a registry ahead of its
/// own and laid out past it, leapfrogging each other's epochs about once a second for as long as storage stayed out of
/// reach. A write that lands (its ETag current) makes this activation the record's one writer, and the other stands
/// down at its next write; while no write lands, neither chases the other. A registry behind the layout or with no run
/// laid out is acted on at once: the job's layout is the newer, and a second activation does not make one.
/// </summary>
public sealed class RegistryEpochCheck(TimeProvider time)
{
    /// <summary>How often the registry is asked.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The timer's next wake at realtime pace, for a step due in <paramref name="wait"/>: at most <see cref="Interval"/>
    /// away, so that the registry is asked while a step is far off. Found by review (fix-epoch-check): the check ran once
    /// per step, and a step due minutes away (up to an hour, a checkpoint's or a restart's cost) left a registry that
    /// came back behind the layout unnoticed as long, every push it made dropped meanwhile. A wake before the step is due
    /// only checks and sleeps again.
    /// </summary>
    public static TimeSpan Wake(TimeSpan wait) => wait < Interval ? wait : Interval;

    private Task<long>? _answer;
    private long _layout; // the job's epoch when it asked
    private long? _askedAt; // null: ask at the next chance
    private (long Registry, long Since)? _ahead; // a registry ahead of the layout, not acted on until the job's record is written

    /// <summary>The call in flight, once it has ended (null while none has, or none was made).</summary>
    public Task<long>? Answered => _answer is { IsCompleted: true } answer ? answer : null;

    /// <summary>Whether to ask now: no call in flight, and none within <see cref="Interval"/>.</summary>
    public bool Due => _answer is null && (_askedAt is not { } at || time.GetElapsedTime(at) >= Interval);

    /// <summary>The registry was asked (<paramref name="answer"/>) while the job stepped on <paramref name="layout"/>.</summary>
    public void Asked(Task<long> answer, long layout)
    {
        ArgumentNullException.ThrowIfNull(answer);
        (_answer, _layout, _askedAt) = (answer, layout, time.GetTimestamp());
    }

    /// <summary>
    /// Takes the answer in: the registry's <paramref name="registry"/> epoch, asked under <see cref="Asked"/>'s layout,
    /// while the job is on <paramref name="layout"/> now. True when the registry is not on the layout it was asked under
    /// (behind it, ahead of it, or with no run laid out) and the job is still on it (an answer to a layout since
    /// replaced says nothing of the new one).
    /// </summary>
    public bool Off(long registry, long layout)
    {
        _answer = null;
        var off = registry != _layout && _layout == layout;
        if (!off && _layout == layout)
        {
            _ahead = null; // on the layout again
        }

        return off;
    }

    /// <summary>
    /// Whether an answer <see cref="Off"/> the layout is acted on: one behind <paramref name="layout"/> or with no run
    /// laid out at once; one ahead of it only when <paramref name="recordWritten"/> (this activation's write of the job's
    /// record landed after the answer came). Otherwise the registry is noted ahead (<see cref="Status"/>) and asked again.
    /// Confirming a mismatch twice in a row would not do: each activation's layout is a new mismatch for the other, seen
    /// twice as surely as once. Nor would asking which activation told the registry its epoch: after a silo's loss the
    /// registry's epoch ahead is an earlier activation's too, and only storage tells which activation holds the record.
    /// </summary>
    public bool ActsOn(long registry, long layout, bool recordWritten)
    {
        if (registry < layout || recordWritten)
        {
            _ahead = null;
            return true;
        }

        _ahead = (registry, _ahead?.Since ?? time.GetTimestamp());
        return false;
    }

    /// <summary>Whether the registry was seen ahead of the layout and not acted on (the job's record not written since).</summary>
    public bool AheadUnconfirmed => _ahead is not null;

    /// <summary>What the job's status says while a registry ahead of the layout is not acted on (null while none is).</summary>
    public RegistryOffLayout? Status => _ahead is { } ahead
        ? new RegistryOffLayout(
            time.GetElapsedTime(ahead.Since).TotalSeconds,
            $"the fault registry is on epoch {ahead.Registry}, ahead of the layout, and the job's record cannot be written: the job does not step, and lays the tree out past it once a write of the record lands (another activation of the job may be laying it out meanwhile)",
            ahead.Registry)
        : null;

    /// <summary>The call failed (the registry unreachable, its storage out of reach): asked again after the interval.</summary>
    public void Failed() => _answer = null;

    /// <summary>Asks at the next chance (a hand-over the registry refused, a layout laid out again).</summary>
    public void Soon() => _askedAt = null;

    /// <summary>
    /// The registry was told the layout since it was asked (a hand-over retried under the same epoch): the answer in
    /// flight says nothing of it, and it is asked again at the next chance.
    /// </summary>
    public void Told()
    {
        (_answer, _askedAt, _ahead) = (null, null, null);
    }
}
