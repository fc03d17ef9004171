using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Model.Faults;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Faults;

/// <summary>
/// An injection's decisions: first, before anything changes, a retry under an idempotency key answered from what the
/// key made (or refused, when the key asked for something else), a request refused (<see cref="FaultIntake.Admit"/>),
/// or the checked faults to make; then the faults made, numbered from the live state's next id, counted by kind, and
/// the key remembered with them. Pure: the grain writes the state this changed and takes the faults in once it landed.
/// </summary>
internal static class FaultInjection
{
    /// <summary>
    /// What an injection of <paramref name="requests"/> does, decided on the live <paramref name="state"/>, the faults
    /// in <paramref name="book"/> and the ended ones in <paramref name="history"/> at <paramref name="now"/>; changes nothing.
    /// </summary>
    public static Plan Admit(
        IReadOnlyList<FaultRequest> requests, string? campaign, string? idempotencyKey, FaultRegistryState state, FaultBook book,
        List<Fault> history, ClusterLayout? layout, FaultLimits limits, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(requests);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(book);
        var fingerprint = idempotencyKey is null ? null : IdempotencyLog.Fingerprint(requests, campaign);
        if (idempotencyKey is not null && IdempotencyLog.Find(state.Idempotency, idempotencyKey, now) is { } earlier)
        {
            return new Plan(earlier.Fingerprint == fingerprint
                ? new InjectionResult(IdempotencyLog.Replay(earlier, id => book.Find(id) is { } live ? FaultBook.AsOf(live, now) : null, history), [], NotFound: false, Replayed: true)
                : FaultIntake.Refused(InjectionRefusal.IdempotencyKeyReused, "Idempotency-Key", $"'{idempotencyKey}' was used for another request (within {IdempotencyLog.Retention.TotalHours:0} h)"), [], campaign, idempotencyKey, fingerprint);
        }

        var (checkedFaults, refusal) = FaultIntake.Admit(requests, campaign, layout, limits, book.Count);
        return new Plan(refusal, checkedFaults, campaign, idempotencyKey, fingerprint);
    }

    /// <summary>
    /// The faults of <paramref name="plan"/> made at <paramref name="now"/>, with <paramref name="state"/> changed as their
    /// write records them: ids taken from <see cref="FaultRegistryState.NextId"/>, each counted under its kind, and the
    /// idempotency key remembered with the ids it made.
    /// </summary>
    public static List<Fault> Make(Plan plan, FaultRegistryState state, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(state);
        var firstId = state.NextId;
        var made = new List<Fault>();
        foreach (var (request, fault) in plan.Checked)
        {
            var one = FaultIntake.Make(IdempotencyLog.FaultId(state.NextId++), request, fault, now, plan.Campaign);
            state.InjectedByKind[one.Kind.ApiName] = state.InjectedByKind.GetValueOrDefault(one.Kind.ApiName) + 1;
            made.Add(one);
        }

        if (plan.IdempotencyKey is { } key)
        {
            IdempotencyLog.Remember(state.Idempotency, new IdempotencyRecord(key, plan.Fingerprint!, firstId, made.Count, now));
        }

        return made;
    }

    /// <summary>An injection decided: <see cref="Answer"/> when it is answered at once, otherwise the checked faults to make.</summary>
    public sealed record Plan(
        InjectionResult? Answer,
        List<(FaultRequest Request, CheckedFault Fault)> Checked,
        string? Campaign,
        string? IdempotencyKey,
        string? Fingerprint);
}
