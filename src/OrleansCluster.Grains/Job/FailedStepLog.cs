namespace OrleansCluster.Grains.Job;

/// <summary>
/// Which failed steps the job writes a log line for: at most one every <c>intervalSeconds</c>, each line telling how
/// many failed unlogged since the one before; a failure after a quiet interval is logged at once. At <c>max</c> pace
/// a scenario whose every step fails (a partition, a bandwidth cut to nothing) fails thousands of steps a second; a
/// line for each wrote about 1 MB of log a second. The interval holds whether or not steps complete between the
/// failures: background failures at <c>max</c> pace fail a step every few, and a limit that started again at each
/// completed step wrote about 12 failure lines a second, 12 MB of log an hour (found by a soak probe).
/// </summary>
public sealed class FailedStepLog(TimeProvider time, double intervalSeconds)
{
    private long? _lastLineAt;
    private long _held;

    /// <summary>
    /// Whether to log the failure that just happened; when so, <paramref name="heldSince"/> is the number of failures
    /// since the last line that were not logged.
    /// </summary>
    public bool Admit(out long heldSince)
    {
        if (_lastLineAt is { } last && time.GetElapsedTime(last).TotalSeconds < intervalSeconds)
        {
            _held++;
            heldSince = 0;
            return false;
        }

        heldSince = Written();
        return true;
    }

    /// <summary>A failure line is written whatever the interval (a step lost with a silo); returns the failures held back before it.</summary>
    public long Written()
    {
        var held = _held;
        _held = 0;
        _lastLineAt = time.GetTimestamp();
        return held;
    }
}
