namespace OrleansCluster.Grains.Job;

/// <summary>
/// Whether the barrier tree is ready for a step, as bookkeeping: a layout makes it ready unless a silo announced its
/// drain while it was in progress (<see cref="Draining"/> interleaves with the timer's layouts, and that silo may hold
/// part of it); a drain, a step whose calls failed, a silo that joined or a new activation has it laid out again. With
/// the silos it was laid out over, to tell those that joined since. No grain and no membership: the grain tells this
/// what it laid out and what it sees.
/// </summary>
public sealed class TreeReadiness
{
    private int _drains; // drains announced so far
    private string[] _laidOutOn = [];

    /// <summary>Whether the tree is laid out and no drain was announced since its layout began.</summary>
    public bool Ready { get; private set; }

    /// <summary>A silo announced its drain: the tree is laid out again once it has gone, and a layout in progress is not ready.</summary>
    public void Draining()
    {
        _drains++;
        Ready = false;
    }

    /// <summary>The tree is to be laid out again (its calls failed, a silo joined, an activation took the job over).</summary>
    public void LayOutAgain() => Ready = false;

    /// <summary>A layout begins: not ready until it ends. The mark to end it with.</summary>
    public int LayingOut()
    {
        Ready = false;
        return _drains;
    }

    /// <summary>The layout in progress goes over <paramref name="silos"/>.</summary>
    public void Over(IEnumerable<string> silos)
    {
        ArgumentNullException.ThrowIfNull(silos);
        _laidOutOn = [.. silos];
    }

    /// <summary>The layout begun at <paramref name="mark"/> ended: ready, unless a silo announced its drain meanwhile.</summary>
    public void LaidOut(int mark) => Ready = _drains == mark;

    /// <summary>The <paramref name="active"/> silos that the tree was not laid out over, joined by ", " (null when none).</summary>
    public string? Joined(IEnumerable<string> active)
    {
        ArgumentNullException.ThrowIfNull(active);
        var joined = active.Except(_laidOutOn).ToArray();
        return joined.Length == 0 ? null : string.Join(", ", joined);
    }
}
