using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Model.Faults;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Faults;

/// <summary>
/// Between the wire and the model for faults: requests checked by the model's validator against the running
/// layout (errors named by field, every request or none), the fault records made from them, and the stored form
/// of a fault (a selector's or a site's node list left out, picked again with the seed when read back).
/// </summary>
public static class FaultIntake
{
    /// <summary>
    /// An injection of <paramref name="requests"/> checked before anything changes: refused past the per-call
    /// limit, with no scenario running, for the requests' own errors, or past the live limit (with
    /// <paramref name="live"/> faults pending or in force); otherwise every fault checked and no refusal.
    /// </summary>
    public static (List<(FaultRequest Request, CheckedFault Fault)> Checked, InjectionResult? Refusal) Admit(
        IReadOnlyList<FaultRequest> requests, string? campaign, ClusterLayout? layout, FaultLimits limits, int live)
    {
        ArgumentNullException.ThrowIfNull(requests);
        ArgumentNullException.ThrowIfNull(limits);
        if (limits.PerCallError(requests.Count) is { } tooMany)
        {
            return ([], Refused(InjectionRefusal.None, "faults", tooMany));
        }

        if (layout is null)
        {
            return ([], Refused(InjectionRefusal.NoScenario, "scenario", "no scenario is loaded: load one with PUT /api/scenario first"));
        }

        var (passed, errors, allNotFound) = Check(requests, alone: requests.Count == 1 && campaign is null, layout);
        return errors.Count > 0 ? ([], new InjectionResult([], errors, allNotFound))
            : limits.LiveError(live, passed.Count) is { } pastLimit ? ([], Refused(InjectionRefusal.LiveFaultLimit, "faults", pastLimit))
            : (passed, null);
    }

    /// <summary>A well-formed injection refused for <paramref name="field"/>, nothing made.</summary>
    public static InjectionResult Refused(InjectionRefusal refusal, string field, string message) =>
        new([], [new FieldError(field, message)], NotFound: false, refusal);

    /// <summary>The requests that passed, or every error (field names prefixed by the request's index in a campaign).</summary>
    public static (List<(FaultRequest Request, CheckedFault Fault)> Checked, List<FieldError> Errors, bool AllNotFound) Check(
        IReadOnlyList<FaultRequest?> requests, bool alone, ClusterLayout layout)
    {
        var errors = new List<FieldError>();
        var passed = new List<(FaultRequest, CheckedFault)>();
        var allNotFound = true;
        for (var i = 0; i < requests.Count; i++)
        {
            if (requests[i] is not { } request)
            {
                errors.Add(new FieldError(alone ? "body" : $"faults[{i}]", "a fault object is required"));
                allNotFound = false;
                continue;
            }

            var prefix = alone ? string.Empty : $"faults[{i}].";
            var (fault, problems) = FaultValidator.Check(ToSpec(request), layout);
            foreach (var problem in problems)
            {
                errors.Add(new FieldError(prefix + problem.Field, problem.Message));
                allNotFound &= problem.NotFound;
            }

            if (fault is not null)
            {
                passed.Add((request, fault));
            }
        }

        return (passed, errors, allNotFound);
    }

    /// <summary>The fault record of a checked request made at <paramref name="now"/>.</summary>
    public static Fault Make(string id, FaultRequest request, CheckedFault fault, DateTimeOffset now, string? campaign)
    {
        var startsAt = now + TimeSpan.FromSeconds(request.StartInSeconds ?? 0);
        return new Fault(
            id,
            Kind(fault.Kind),
            request.Target!,
            fault.Params,
            request.StartInSeconds,
            request.DurationSeconds,
            startsAt > now ? FaultState.Pending : FaultState.Active,
            now,
            startsAt,
            request.DurationSeconds is { } d ? startsAt + TimeSpan.FromSeconds(d) : null,
            Wire(fault.Targets),
            campaign);
    }

    /// <summary>The fault as stored: without the node list of a selector or a site, which can be tens of thousands of ids.</summary>
    public static Fault Stored(Fault fault) =>
        Reresolvable(fault) ? fault with { Targets = new FaultTargets([], [], fault.Targets.Sites) } : fault;

    /// <summary>A stored fault with its targets picked again on <paramref name="layout"/>; null, with the problems, when it no longer fits.</summary>
    public static (Fault? Fault, string? Problems) Restore(Fault stored, ClusterLayout layout)
    {
        if (!Reresolvable(stored))
        {
            return (stored, null);
        }

        var spec = new FaultSpec(stored.Kind.ApiName, ToTarget(stored.Target), stored.Params, stored.StartInSeconds, stored.DurationSeconds);
        var (resolved, problems) = FaultValidator.Check(spec, layout);
        return resolved is null
            ? (null, string.Join("; ", problems.Select(p => $"{p.Field}: {p.Message}")))
            : (stored with { Targets = Wire(resolved.Targets) }, null);
    }

    /// <summary>The parameter of <c>node.thermal-throttle</c> that holds its clocks.</summary>
    public const string ClockRatio = "clockRatio";

    /// <summary>
    /// A stored fault brought within this build's bounds, or null when it is already: a throttle's
    /// <c>clockRatio</c> under <see cref="FaultEffects.MinClockRatio"/> (0.05: earlier builds took anything in (0, 1])
    /// is raised to it, the clock its effect already held the node at. Without it a site's or selector's throttle failed
    /// <see cref="Restore"/>'s check and was dropped.
    /// </summary>
    public static Fault? WithinBounds(Fault stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (stored.Kind != Abstractions.Messages.FaultKind.NodeThermalThrottle
            || !stored.Params.TryGetValue(ClockRatio, out var ratio) || !(ratio < FaultEffects.MinClockRatio))
        {
            return null;
        }

        return stored with { Params = new Dictionary<string, double>(stored.Params, StringComparer.Ordinal) { [ClockRatio] = FaultEffects.MinClockRatio } };
    }

    /// <summary>
    /// A fault's targets as the wire and storage carry them: each list an array. The model builds some lists with
    /// collection expressions (<c>[target.Node]</c>), whose compiler-made types Orleans has no codec for; it then looks
    /// for one by reflection at every write, not keeping that it found none, and the registry writes every fault in
    /// force at each change: that search took 22 % of a silo's CPU under the admin API's load.
    /// </summary>
    public static FaultTargets Wire(ResolvedTargets targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        return new FaultTargets(Array(targets.Nodes), Array(targets.Links), Array(targets.Sites));

        static string[] Array(IReadOnlyList<string> items) => items as string[] ?? [.. items];
    }

    /// <summary>The model's kind as the wire carries it (the same kinds in the same order, pinned by a test).</summary>
    public static Abstractions.Messages.FaultKind Kind(Model.Faults.FaultKind kind) => (Abstractions.Messages.FaultKind)(int)kind;

    /// <summary>The wire's kind as the model has it.</summary>
    public static Model.Faults.FaultKind Kind(Abstractions.Messages.FaultKind kind) => (Model.Faults.FaultKind)(int)kind;

    private static bool Reresolvable(Fault fault) => fault.Target.Node is null && fault.Target.Link is null;

    private static FaultTarget ToTarget(FaultTargetRequest t) => new(t.Node, t.Link, t.Site, t.Generation, t.Count, t.Fraction);

    private static FaultSpec ToSpec(FaultRequest request) => new(
        request.Kind,
        request.Target is { } t ? ToTarget(t) : null,
        request.Params,
        request.StartInSeconds,
        request.DurationSeconds);
}
