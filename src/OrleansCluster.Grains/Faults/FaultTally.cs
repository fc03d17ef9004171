using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Model.Faults;

namespace OrleansCluster.Grains.Faults;

/// <summary>The registry's counts for <c>/api/faults/counts</c> and the metrics, from its faults and counters.</summary>
public static class FaultTally
{
    /// <summary>
    /// Every kind's faults in force at <paramref name="now"/> among <paramref name="live"/> and injected since the
    /// scenario was loaded, and the background failures by cause since then: every cause of the scenario from the
    /// start (0 until it fires), so that rates over them read 0 rather than no data.
    /// </summary>
    public static FaultCounts Counts(IEnumerable<Fault> live, FaultRegistryState state, IEnumerable<string> scenarioCauses, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        var faults = live.ToArray();
        var active = FaultKinds.Names.ToDictionary(k => k, k => faults.Count(f => f.Kind.ApiName == k && FaultBook.IsActive(f, now)), StringComparer.Ordinal);
        var injected = FaultKinds.Names.ToDictionary(k => k, k => state.InjectedByKind.GetValueOrDefault(k), StringComparer.Ordinal);
        var causes = scenarioCauses.Concat(state.FailuresByCause.Keys).Distinct(StringComparer.Ordinal);
        var failures = causes.ToDictionary(c => c, c => state.FailuresByCause.GetValueOrDefault(c), StringComparer.Ordinal);
        return new FaultCounts(active, injected, failures);
    }
}
