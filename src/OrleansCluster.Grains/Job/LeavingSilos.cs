using Orleans.Runtime;

namespace OrleansCluster.Grains.Job;

/// <summary>
/// The silos on their way out, announced by their drain or seen shutting down in the membership: while any is, laying
/// the barrier tree out could place coordinators on it. A drained silo that has not gone within
/// <see cref="Patience"/> is no longer waited for.
/// </summary>
public sealed class LeavingSilos(TimeProvider time)
{
    /// <summary>How long a drained silo is waited for.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromMinutes(1);

    private readonly Dictionary<string, DateTimeOffset> _draining = new(StringComparer.Ordinal);

    /// <summary><paramref name="silo"/> announced its drain now.</summary>
    public void Draining(string silo) => _draining[silo] = time.GetUtcNow();

    /// <summary>Whether <paramref name="silo"/> announced its drain (and has not been forgotten since).</summary>
    public bool IsDraining(string silo) => _draining.ContainsKey(silo);

    /// <summary>Whether a silo is leaving, given the <paramref name="members"/> by address and status; forgets drained silos that are gone or past patience.</summary>
    public bool Any(IReadOnlyDictionary<string, SiloStatus> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        foreach (var (silo, since) in _draining.ToArray())
        {
            if (!members.TryGetValue(silo, out var status) || status == SiloStatus.Dead || time.GetUtcNow() - since > Patience)
            {
                _draining.Remove(silo);
            }
        }

        return _draining.Count > 0 || members.Values.Any(s => s is SiloStatus.ShuttingDown or SiloStatus.Stopping);
    }
}
