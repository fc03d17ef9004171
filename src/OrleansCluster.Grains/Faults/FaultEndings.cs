using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Faults;

/// <summary>
/// Which faults a change ends, and as what: a clear of a campaign its faults, a run's start those the new run does not
/// keep, and each as it ends now (expired if its end has already passed), with the live faults left after them. Pure:
/// the grain writes the ends (journaled, so the history cannot lose them) before it takes the faults out of its book.
/// </summary>
internal static class FaultEndings
{
    /// <summary>The faults among <paramref name="live"/> that <paramref name="campaign"/> made.</summary>
    public static List<Fault> OfCampaign(IEnumerable<Fault> live, string campaign) =>
        live.Where(f => string.Equals(f.Campaign, campaign, StringComparison.Ordinal)).ToList();

    /// <summary>
    /// The faults among <paramref name="live"/> that a run of <paramref name="scenario"/> ends, the stored run's being
    /// <paramref name="stored"/>: a new scenario clears every fault; a new run of the same one the background failures
    /// (they ran on the last run's simulated clock); the same run laid out again (<paramref name="continuing"/>: a silo
    /// joined, left or was lost) none, as the job, whose clock has passed their arrival, never hands them over again
    /// (found by review). Found by review too: a scenario other than the stored one clears every fault whatever the job
    /// asks (a load whose call here failed, then a start that keeps faults, carried the old scenario's faults into the
    /// new one's run).
    /// </summary>
    public static List<Fault> ForRun(IEnumerable<Fault> live, ScenarioSource? stored, ScenarioSource scenario, bool keepFaults, bool continuing) =>
        SameRun(stored, scenario, keepFaults, continuing) ? []
            : live.Where(keepFaults && Equals(scenario, stored) ? BackgroundIntake.IsBackground : _ => true).ToList();

    /// <summary>
    /// Whether a run of <paramref name="scenario"/> is the run stored (<paramref name="stored"/>) laid out again: it keeps
    /// every fault, and only its epoch (and block size) change, which the registry writes behind the layout.
    /// </summary>
    public static bool SameRun(ScenarioSource? stored, ScenarioSource scenario, bool keepFaults, bool continuing) =>
        keepFaults && continuing && Equals(scenario, stored);

    /// <summary>
    /// The faults as they end at <paramref name="now"/>, <paramref name="how"/>: what a write records (Journal) before it
    /// takes them out of the live faults. One whose end has already passed (the timer that expires it has not run yet:
    /// the registry was busy) ended then, as the timer records it and as a read of it answers (<see cref="FaultBook.AsOf"/>):
    /// found by review, a clear of it was recorded cleared with a later end while GET said expired.
    /// </summary>
    public static List<Fault> As(IEnumerable<Fault> faults, FaultState how, DateTimeOffset now) =>
        faults.Select(f => f.EndsAt is { } end && end <= now ? f with { State = FaultState.Expired } : f with { State = how, EndsAt = now }).ToList();

    /// <summary>The live faults once <paramref name="ended"/> leave them and <paramref name="adding"/> join them, in order.</summary>
    public static IEnumerable<Fault> LiveAfter(IEnumerable<Fault> live, IEnumerable<Fault> ended, IEnumerable<Fault> adding)
    {
        var gone = ended.Select(f => f.Id).ToHashSet(StringComparer.Ordinal);
        return live.Where(f => !gone.Contains(f.Id)).Concat(adding);
    }

    /// <summary>
    /// The faults among <paramref name="ended"/> that had already expired when a change ending them <paramref name="how"/>
    /// came: their expiry is logged as the timer's would have been.
    /// </summary>
    public static IEnumerable<Fault> ExpiredFirst(IEnumerable<Fault> ended, FaultState how) =>
        ended.Where(f => f.State == FaultState.Expired && how != FaultState.Expired);
}
