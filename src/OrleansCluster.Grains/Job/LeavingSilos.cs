using Orleans.Runtime;

namespace OrleansCluster.Grains.Job;

/// <summary>
/// The silos on their way out, announced by their drain or seen shutting down in the membership. A drained silo takes
/// no part in a layout from its drain until the membership shows it gone; the layout waits for it only while the
/// membership may yet show it leaving: a drained silo not seen shutting down within <see cref="Patience"/> is not
/// waited for (found by probing: with Redis paused the membership table cannot be written, the leaving silo reads
/// active until long after its process has gone, and the job stopped stepping for two minutes waiting for it).
/// </summary>
public sealed class LeavingSilos(TimeProvider time)
{
    /// <summary>How long a drained silo that the membership still shows active is waited for.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly Dictionary<string, DateTimeOffset> _draining = new(StringComparer.Ordinal);

    /// <summary><paramref name="silo"/> announced its drain now.</summary>
    public void Draining(string silo) => _draining.TryAdd(silo, time.GetUtcNow());

    /// <summary>The drains announced, by silo, with when: what a hand-over of the job carries to its next activation.</summary>
    public Dictionary<string, DateTimeOffset> Drains => new(_draining, StringComparer.Ordinal);

    /// <summary>Takes in the drains a hand-over carried (<see cref="Drains"/>), each from when it was announced.</summary>
    public void Restore(IReadOnlyDictionary<string, DateTimeOffset> drains)
    {
        ArgumentNullException.ThrowIfNull(drains);
        foreach (var (silo, since) in drains)
        {
            _draining.TryAdd(silo, since);
        }
    }

    /// <summary>Whether <paramref name="silo"/> announced its drain (and has not been seen gone since): no layout goes over it.</summary>
    public bool IsDraining(string silo) => _draining.ContainsKey(silo);

    /// <summary>
    /// Whether a layout must wait for a silo leaving, given the <paramref name="members"/> by address and status: one
    /// seen shutting down, or one drained within patience and still shown active. Forgets drained silos that are gone.
    /// </summary>
    public bool Any(IReadOnlyDictionary<string, SiloStatus> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        var waited = false;
        foreach (var (silo, since) in _draining.ToArray())
        {
            if (!members.TryGetValue(silo, out var status) || status == SiloStatus.Dead)
            {
                _draining.Remove(silo);
            }
            else if (time.GetUtcNow() - since <= Patience)
            {
                waited = true;
            }
        }

        return waited || members.Values.Any(s => s is SiloStatus.ShuttingDown or SiloStatus.Stopping);
    }
}
