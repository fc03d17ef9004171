namespace OrleansCluster.Grains;

/// <summary>
/// Holds a repeated warning to one line per interval: a failure retried every second through an outage (a write,
/// a hand-over) writes a line per interval, not one per retry. The first line passes at once.
/// </summary>
internal sealed class LogGate(TimeProvider time, TimeSpan interval)
{
    private long? _openedAt;

    /// <summary>Whether a line may be written now; if so, the next waits an interval.</summary>
    public bool Open()
    {
        if (_openedAt is { } at && time.GetElapsedTime(at) < interval)
        {
            return false;
        }

        _openedAt = time.GetTimestamp();
        return true;
    }
}
