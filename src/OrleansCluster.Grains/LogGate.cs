namespace OrleansCluster.Grains;

/// <summary>
/// Holds a repeated line to <paramref name="linesPerInterval"/> per interval: a failure retried every second through
/// an outage (a write, a hand-over) writes a line per interval, not one per retry, and a burst of events (background
/// failures at max pace) writes its first lines and a count of the rest. The first line passes at once.
/// </summary>
internal sealed class LogGate(TimeProvider time, TimeSpan interval, int linesPerInterval = 1)
{
    private long? _openedAt;
    private int _lines;
    private long _held;

    /// <summary>Whether a line may be written now; if not, it is counted as held (<see cref="TakeHeld"/>).</summary>
    public bool Open()
    {
        if (_openedAt is { } at && time.GetElapsedTime(at) < interval)
        {
            if (_lines < linesPerInterval)
            {
                _lines++;
                return true;
            }

            _held++;
            return false;
        }

        _openedAt = time.GetTimestamp();
        _lines = 1;
        return true;
    }

    /// <summary>How many lines were held back since the last call, for a line that says so.</summary>
    public long TakeHeld()
    {
        var held = _held;
        _held = 0;
        return held;
    }
}
