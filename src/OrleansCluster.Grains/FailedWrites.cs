using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains;

/// <summary>
/// The writes of one record that failed since the last that landed: since when, and why the last failed. For
/// <c>/healthz</c>, which calls a silo degraded while a record memory holds goes unwritten (storage out of reach),
/// since a silo lost meanwhile loses what memory held.
/// </summary>
internal sealed class FailedWrites(TimeProvider time)
{
    private long? _since;
    private string _lastError = string.Empty;

    /// <summary>A write failed with <paramref name="error"/>.</summary>
    public void Failed(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        _since ??= time.GetTimestamp();
        var cause = error.GetBaseException();
        _lastError = $"{cause.GetType().Name}: {cause.Message}";
    }

    /// <summary>A write landed: the record is stored as memory had it.</summary>
    public void Landed() => _since = null;

    /// <summary>Memory was put back as storage holds it (a refused change undone): nothing is owed.</summary>
    public void PutBack() => _since = null;

    /// <summary>How long the record has gone unwritten and why, when a write failed since the last that landed.</summary>
    public UnwrittenRecord? Unwritten => _since is { } since ? new UnwrittenRecord(time.GetElapsedTime(since).TotalSeconds, _lastError) : null;
}
