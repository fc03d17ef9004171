using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Job;

/// <summary>
/// The same run's layout that the fault registry did not take (its call failed: its storage out of reach, or a stored
/// scenario it cannot resolve and a write that fails), handed over again with a backoff while the job waits, its tree laid
/// out (a step without the registry's faults would run on a healthy tree). Found by review (fix-relayout): the registry's epoch check laid the whole tree out again each
/// second for a registry that could not take a run, and the job, which had stepped without faults before that check,
/// never stepped. The tree is laid out: only the registry's call is owed, tried again after <see cref="FirstWait"/>,
/// doubling to <see cref="MaxWait"/>, one call at a time and never waited on by a step. Bookkeeping only: the grain
/// makes the calls.
/// </summary>
public sealed class RegistryRunRetry(TimeProvider time)
{
    /// <summary>The wait before the first try again.</summary>
    public static readonly TimeSpan FirstWait = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between tries.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(30);

    private long? _since; // the first failure since the registry last took a layout; null: nothing owed
    private long _failedAt;
    private int _failures;
    private long _layout;
    private string _lastError = string.Empty;

    /// <summary>Whether the registry is owed the layout.</summary>
    public bool Owed => _since is not null;

    /// <summary>The call in flight, if any (a layout waits it out before it calls the registry itself).</summary>
    public Task? InFlight { get; private set; }

    /// <summary>The call in flight, once it has ended (null while none has, or none was made).</summary>
    public Task? Answered => InFlight is { IsCompleted: true } answer ? answer : null;

    /// <summary>How many calls failed in a row.</summary>
    public int Failures => _failures;

    /// <summary>The wait after the last failure before the next try: <see cref="FirstWait"/>, doubled per failure after the first, at most <see cref="MaxWait"/>.</summary>
    public TimeSpan Wait => _failures <= 1 ? FirstWait : TimeSpan.FromTicks(Math.Min(MaxWait.Ticks, FirstWait.Ticks << Math.Min(_failures - 1, 30)));

    /// <summary>Whether to try again now: owed, no call in flight, and <see cref="Wait"/> passed since the last failure.</summary>
    public bool Due => Owed && InFlight is null && time.GetElapsedTime(_failedAt) >= Wait;

    /// <summary>
    /// The registry's call for <paramref name="layout"/> failed with <paramref name="error"/>: owed, tried again after
    /// <see cref="Wait"/>. True for the first failure since the registry last took a layout (the one to log).
    /// </summary>
    public bool Failed(long layout, Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var first = !Owed;
        _since ??= time.GetTimestamp();
        (_failedAt, _layout, InFlight) = (time.GetTimestamp(), layout, null);
        _failures++;
        _lastError = $"{error.GetBaseException().GetType().Name}: {error.GetBaseException().Message}";
        return first;
    }

    /// <summary>The registry was called again (<paramref name="call"/>) for the layout owed.</summary>
    public void Asked(Task call)
    {
        ArgumentNullException.ThrowIfNull(call);
        InFlight = call;
    }

    /// <summary>A layout called the registry itself: the call in flight said nothing of it (its outcome is the layout's to tell).</summary>
    public void Dropped() => InFlight = null;

    /// <summary>The registry took the layout: nothing is owed.</summary>
    public void Taken()
    {
        (_since, _failures, InFlight, _lastError) = (null, 0, null, string.Empty);
    }

    /// <summary>What the job's status says while the layout is owed (null while not).</summary>
    public RegistryOffLayout? Status => _since is { } since
        ? new RegistryOffLayout(
            time.GetElapsedTime(since).TotalSeconds,
            $"the fault registry did not take the layout (epoch {_layout}; {_failures} calls failed, the last: {_lastError}): the job does not step until it has (its steps would run without the faults in force), and hands the layout over again, at most {MaxWait.TotalSeconds:0} s apart")
        : null;
}
