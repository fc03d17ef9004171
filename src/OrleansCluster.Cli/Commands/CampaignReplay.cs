using System.Diagnostics;
using System.Globalization;
using OrleansCluster.Abstractions.Api;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Cli.Reports;

namespace OrleansCluster.Cli.Commands;

/// <summary>
/// <c>campaign FILE</c>: replays a fault campaign (the admin API's format) against a live cluster and follows it
/// for <c>--seconds</c>: as each fault lands, the step time and the top straggler of the first step that had it in
/// force, and after the last one, the steps that follow (a flap's failed step among them).
/// </summary>
/// <remarks>
/// A fault's figures are those of a step that began after it landed (the step in flight when it lands began
/// before it and does not show it) and before the next fault landed (so that they show no later fault): with
/// <c>n</c> steps finished when the fault landed, the step whose end makes it <c>n + 2</c> or later, as long as the
/// one before it ended before the next fault landed. A fault with no such step (the next one landed before any step
/// ended, or no step ended within <see cref="ActBound"/> or before <c>--seconds</c>) has no figures, and its row
/// says why; it never shows another row's. A row also counts the steps that failed between its landing and its
/// figures: a fault that makes its node miss the barrier fails the first step it is in force for, and the step read
/// after it (its node evicted) names another node as the slowest.
/// A silo that stops answering (<see cref="SiloWatch"/>: the connection refused or cut, as when its process is gone) cuts
/// the replay short: the report keeps the faults that landed, the figures read, and says why it stopped (exit 1, a
/// campaign cut short), rather than ending with one line and no report.
/// A campaign's faults outlive the replay (unlike <c>ramp</c>, it puts back nothing: a campaign is there to be looked
/// at). At the end the report lists those of its faults still pending or in force and the exact command that clears
/// them (found by a newcomer: six faults left in force, and nothing said); with <c>clear</c> (<c>--clear</c>) it clears
/// them itself, as <c>DELETE /api/faults?campaign=NAME</c> does (every fault of a campaign of that name, an earlier
/// replay's too).
/// </remarks>
public static class CampaignReplay
{
    /// <summary>
    /// Steps to wait for after a fault lands before reading its figures: the step in flight when it lands began
    /// before it, so the one after is the first that shows it.
    /// </summary>
    public const int StepsToAct = 2;

    /// <summary>
    /// The longest a fault waits for a step of its own (a paused or stalled job, a step slower than this), unless the
    /// running job's stall bound is longer (<see cref="Bound"/>): past it, its row has no figures and says so.
    /// </summary>
    public static readonly TimeSpan ActBound = TimeSpan.FromSeconds(30);

    /// <summary>How often the run after the last fault is read, to notice a silo that has gone.</summary>
    private static readonly TimeSpan FollowPoll = TimeSpan.FromSeconds(1);

    /// <summary>The pause between polls, and between tries to read the end's figures once <c>--seconds</c> is up.</summary>
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    /// <summary>What a row says when the next fault landed before a step had begun with this one in force.</summary>
    public const string NextFaultFirst = "no step began before the next fault landed";

    /// <summary>
    /// A fault as it landed and the figures of the first step that had it in force (null, with <see cref="NoFigures"/>
    /// saying why, when no step began after it and before the next fault, or none ended in time), and
    /// <see cref="FailedSinceLanding"/>, the steps that failed from its landing to the step read, that one left out
    /// (with figures only).
    /// </summary>
    public sealed record Landing(
        string Id,
        string Kind,
        double StartInSeconds,
        int Targets,
        double LandedAfterSeconds,
        long? Step,
        double? StepSeconds,
        string? TopStraggler,
        double? TopSlowdown,
        bool? StepOk = null,
        string? NoFigures = null,
        long? FailedSinceLanding = null);

    /// <summary>
    /// The run after the last fault landed, until <c>--seconds</c>: <see cref="Seconds"/> from its landing to the end,
    /// the steps finished in that time, ok and failed, and the figures at the end.
    /// </summary>
    public sealed record Followed(double Seconds, long StepsOk, long StepsFailed, long Step, double StepSeconds, string? TopStraggler);

    /// <summary>
    /// One of the replay's faults still pending or in force when it ended: <see cref="EndsInSeconds"/> from then until
    /// its end (null: in force until cleared).
    /// </summary>
    public sealed record StillInForce(string Id, string Kind, string State, double? EndsInSeconds);

    /// <summary>
    /// What the replay left behind. <see cref="Faults"/>: its own faults still pending or in force (null when its silo
    /// stopped answering: not known). <see cref="OfTheSameName"/>: faults of an earlier campaign of the same name, still
    /// in force, which the clear takes too. <see cref="Cleared"/>: with <c>--clear</c>, how many the silo cleared;
    /// <see cref="ClearFailed"/> why it could not. <see cref="ClearCommand"/>: what clears them, where any may be left.
    /// </summary>
    public sealed record Leftover(IReadOnlyList<StillInForce>? Faults, int OfTheSameName, int? Cleared, string? ClearFailed, string? ClearCommand);

    /// <summary>
    /// The replay: <see cref="Complete"/> when every fault landed before it ended, <see cref="Stopped"/> why it ended
    /// before <c>--seconds</c> (its silo stopped answering).
    /// </summary>
    public sealed record Report(string Campaign, IReadOnlyList<Landing> Faults, bool Complete, Followed? After, string? Stopped = null, Leftover? Left = null) : ICommandReport
    {
        public bool Held() => Complete && Stopped is null && Left?.ClearFailed is null;

        public string Summary() =>
            $"campaign {Campaign}: {Faults.Count} fault(s) landed{(Complete ? string.Empty : "; stopped before the last ones started")}"
            + (After is { } a ? $"; followed {ReportWriter.F(a.Seconds, 1)} s after the last landed: {ReportWriter.N(a.StepsOk)} steps ok, {ReportWriter.N(a.StepsFailed)} failed" : string.Empty)
            + (Stopped is not null ? $"; STOPPED: {Stopped}" : string.Empty)
            + (Left is { } left ? ". " + Describe(left) : string.Empty);

        private string Describe(Leftover left)
        {
            var others = left.OfTheSameName > 0 ? $" (and {ReportWriter.N(left.OfTheSameName)} of an earlier campaign of this name)" : string.Empty;
            if (left.Cleared is { } cleared)
            {
                return $"--clear: cleared {ReportWriter.N(cleared)} fault(s) of campaign {Campaign} still pending or in force{(left.OfTheSameName > 0 ? $", {ReportWriter.N(left.OfTheSameName)} of them of an earlier campaign of this name" : string.Empty)}";
            }

            var what = left.Faults switch
            {
                null => "Its faults may still be in force (its silo stopped answering)",
                { Count: 0 } when left.OfTheSameName == 0 => "None of its faults is still in force",
                { Count: 0 } => $"None of its own faults is still in force, but {ReportWriter.N(left.OfTheSameName)} of an earlier campaign of this name are",
                var mine => $"{ReportWriter.N(mine.Count)} of its faults still pending or in force ({string.Join(", ", mine.Take(10).Select(f => f.Id))}{(mine.Count > 10 ? ", ..." : string.Empty)}){others}: they stay until they end or are cleared",
            };
            return (left.ClearFailed is { } failed ? $"--clear FAILED: {failed}. " : string.Empty)
                + what
                + (left.ClearCommand is { } command ? $"; clear them with: {command}" : string.Empty);
        }

        public IReadOnlyList<ReportTable> Tables()
        {
            var faults = new ReportTable(
                "Faults as they landed (figures of the first step that began after each and before the next)",
                ["landed after s", "fault", "kind", "targets", "step", "T_step s", "top straggler", "slowdown", "note"],
                Faults.Select(f => (IReadOnlyList<string>)[
                    ReportWriter.F(f.LandedAfterSeconds, 1), f.Id, f.Kind, ReportWriter.N(f.Targets),
                    f.Step is { } n ? ReportWriter.N(n) : "-", f.StepSeconds is { } t ? ReportWriter.F(t, 3) : "-",
                    f.TopStraggler ?? "-", f.TopSlowdown is { } x ? ReportWriter.F(x) : "-", Note(f)]).ToArray());
            var tables = new List<ReportTable> { faults };
            if (After is { } a)
            {
                tables.Add(new ReportTable(
                    "After the last fault landed",
                    ["followed s", "steps ok", "steps failed", "step", "T_step s", "top straggler"],
                    [[ReportWriter.F(a.Seconds, 1), ReportWriter.N(a.StepsOk), ReportWriter.N(a.StepsFailed), ReportWriter.N(a.Step), ReportWriter.F(a.StepSeconds, 3), a.TopStraggler ?? "-"]]));
            }

            if (Left is { Faults.Count: > 0, Cleared: null } left)
            {
                tables.Add(new ReportTable(
                    "Its faults still pending or in force when the replay ended",
                    ["fault", "kind", "state", "ends in s"],
                    left.Faults.Select(f => (IReadOnlyList<string>)[f.Id, f.Kind, f.State, f.EndsInSeconds is { } e ? ReportWriter.F(e, 1) : "when cleared"]).ToArray()));
            }

            return tables;
        }
    }

    private sealed record Pending(string Id, string Kind, double Start, int Targets);

    /// <summary>A fault landed and not yet read: steps finished when it landed, and (once it has) when the next fault landed.</summary>
    private sealed record Acting(Pending Fault, double LandedAfterSeconds, long FinishedAtLanding, long FailedAtLanding, TimeSpan Since)
    {
        public long? FinishedAtNext { get; set; }
    }

    public static Task<Report> RunAsync(HttpClient client, string campaignJson, TimeSpan limit, Action<Landing>? onLanding, CancellationToken cancellationToken) =>
        RunAsync(client, campaignJson, limit, clear: false, onLanding, cancellationToken);

    /// <summary>The replay; with <paramref name="clear"/>, its faults still pending or in force are cleared at its end.</summary>
    public static Task<Report> RunAsync(HttpClient client, string campaignJson, TimeSpan limit, bool clear, Action<Landing>? onLanding, CancellationToken cancellationToken) =>
        RunAsync(client, campaignJson, limit, ActBound, clear, onLanding, onLanded: null, cancellationToken);

    /// <summary>
    /// The replay with <paramref name="actBound"/> in place of <see cref="ActBound"/>, and <paramref name="onLanded"/>
    /// told each fault's id as the replay takes it to have landed (for tests).
    /// </summary>
    internal static Task<Report> RunAsync(HttpClient client, string campaignJson, TimeSpan limit, TimeSpan actBound, Action<Landing>? onLanding, Action<string>? onLanded, CancellationToken cancellationToken) =>
        RunAsync(client, campaignJson, limit, actBound, clear: false, onLanding, onLanded, cancellationToken);

    private static async Task<Report> RunAsync(HttpClient client, string campaignJson, TimeSpan limit, TimeSpan actBound, bool clear, Action<Landing>? onLanding, Action<string>? onLanded, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var posted = await SiloApi.SendAsync(client, HttpMethod.Post, "/api/faults/campaign", campaignJson, cancellationToken);
        var result = System.Text.Json.JsonSerializer.Deserialize<CampaignResult>(posted, SiloApi.Json)!;

        var clock = Stopwatch.StartNew();
        var pending = result.Faults
            .Select(f => new Pending(f.Id, f.Kind.ApiName, f.StartInSeconds ?? 0, f.Targets.Nodes.Count + f.Targets.Links.Count))
            .OrderBy(f => f.Start)
            .ToList();
        var acting = new List<Acting>();
        var landings = new List<Landing>();
        (ClusterStatus Status, TimeSpan At)? lastLanded = null;
        using var watch = new SiloWatch();
        using var endWatch = new SiloWatch();

        void Settle(Acting a, Landing landing)
        {
            landings.Add(landing);
            onLanding?.Invoke(landing);
            acting.Remove(a);
        }

        Landing Without(Acting a, string why) =>
            new(a.Fault.Id, a.Fault.Kind, a.Fault.Start, a.Fault.Targets, a.LandedAfterSeconds, null, null, null, null, null, why);

        while ((pending.Count > 0 || acting.Count > 0) && clock.Elapsed < limit && watch.Lost is null)
        {
            try
            {
                await PollAsync();
                watch.Answered();
            }
            catch (HttpRequestException e) when (SiloWatch.IsNoAnswer(e))
            {
                // Polled again, until the silo is taken as lost: one lost call is not a lost silo.
                watch.Unanswered(e);
            }

            await Task.Delay(Poll, cancellationToken);
        }

        async Task PollAsync()
        {
            var due = pending.Where(f => f.Start <= clock.Elapsed.TotalSeconds).ToArray();
            if (due.Length > 0)
            {
                var landedAt = clock.Elapsed;
                var status = await SiloApi.ClusterAsync(client, cancellationToken);
                var finished = StepsFinished(status);

                // The faults before these now have a next one: a fault no step has begun after (none ended since it
                // landed) gets no step of its own, as every later step began after this one too.
                foreach (var earlier in acting.Where(a => a.FinishedAtNext is null).ToArray())
                {
                    earlier.FinishedAtNext = finished;
                    if (finished < earlier.FinishedAtLanding + StepsToAct - 1)
                    {
                        Settle(earlier, Without(earlier, NextFaultFirst));
                    }
                }

                acting.AddRange(due.Select(f => new Acting(f, Math.Round(landedAt.TotalSeconds, 1), finished, status.Job.StepsFailed, landedAt)));
                foreach (var fault in due)
                {
                    onLanded?.Invoke(fault.Id);
                }

                pending.RemoveAll(due.Contains);
                if (pending.Count == 0)
                {
                    lastLanded = (status, landedAt);
                }
            }

            if (acting.Count > 0)
            {
                await ReadAsync(client, acting, Settle, Without, clock.Elapsed, actBound, cancellationToken);
            }
        }

        // --seconds is up, or the silo gone: a fault still waiting for a step of its own has none.
        foreach (var a in acting.ToArray())
        {
            Settle(a, Without(a, watch.Lost is null ? "no step of its own ended before --seconds" : "the silo stopped answering before a step of its own ended"));
        }

        var complete = pending.Count == 0;
        Followed? after = null;
        if (complete && lastLanded is { } landed && watch.Lost is null)
        {
            // --seconds bounds the whole replay: what is left of it after the last fault landed follows the run, read
            // every second so that a silo that goes meanwhile ends the replay then, with the figures of its last answer.
            // Once --seconds is up, the end's straggler read is tried again after a pause, under a watch of its own: an
            // answered /api/cluster resets the other, and a silo that answered it but never /api/stragglers kept the
            // replay trying, with no pause, for ever. After SiloWatch.Limit in a row it stops, with what it read.
            (ClusterStatus Status, TimeSpan At, string? Top) end = (landed.Status, landed.At, null);
            while (watch.Lost is null && endWatch.Lost is null)
            {
                if (await TryAsync(watch, () => SiloApi.ClusterAsync(client, cancellationToken)) is (true, { } status))
                {
                    end = (status, clock.Elapsed, null);
                    if (end.At >= limit && await TryAsync(endWatch, () => SiloApi.StragglersAsync(client, 1, cancellationToken)) is (true, var stragglers))
                    {
                        end.Top = TopOf(stragglers)?.Node;
                        break;
                    }
                }

                var left = limit - clock.Elapsed;
                await Task.Delay(left <= TimeSpan.Zero ? Poll : left < FollowPoll ? left : FollowPoll, cancellationToken);
            }

            after = new Followed(
                Math.Round((end.At - landed.At).TotalSeconds, 1),
                end.Status.Job.StepsOk - landed.Status.Job.StepsOk,
                end.Status.Job.StepsFailed - landed.Status.Job.StepsFailed,
                end.Status.Job.Step,
                end.Status.LastStep?.DurationSeconds ?? 0,
                end.Top);
        }

        var lost = watch.Lost ?? endWatch.Lost;
        var leftover = await LeftoverAsync(client, result, clear, lost is not null, cancellationToken);
        return new Report(result.Campaign, landings, complete, after, lost, leftover);
    }

    /// <summary>
    /// The campaign's faults still pending or in force at the replay's end, cleared with <paramref name="clear"/>, and
    /// the command that clears them where any may be left: nothing is read from a silo that stopped answering.
    /// </summary>
    private static async Task<Leftover> LeftoverAsync(HttpClient client, CampaignResult result, bool clear, bool lost, CancellationToken cancellationToken)
    {
        var path = $"/api/faults?campaign={Uri.EscapeDataString(result.Campaign)}";
        var command = ClearCommand(client.BaseAddress, path);
        if (lost)
        {
            return new Leftover(null, 0, null, clear ? "its silo stopped answering" : null, command);
        }

        var ids = result.Faults.Select(f => f.Id).ToHashSet(StringComparer.Ordinal);
        var now = DateTimeOffset.UtcNow;
        Fault[] named;
        try
        {
            named = await SiloApi.GetAsync<Fault[]>(client, path, cancellationToken);
        }
        catch (HttpRequestException e) when (SiloWatch.IsNoAnswer(e))
        {
            // Gone after the replay: its report still comes, with what is not known said so.
            return new Leftover(null, 0, null, clear ? "its silo stopped answering" : null, command);
        }

        var mine = named.Where(f => ids.Contains(f.Id) && f.State is FaultState.Pending or FaultState.Active)
            .Select(f => new StillInForce(f.Id, f.Kind.ApiName, f.State == FaultState.Pending ? "pending" : "in force", f.EndsAt is { } end ? Math.Max(0, Math.Round((end - now).TotalSeconds, 1)) : null))
            .ToArray();
        var others = named.Count(f => !ids.Contains(f.Id) && f.State is FaultState.Pending or FaultState.Active);
        if (!clear)
        {
            return new Leftover(mine, others, null, null, mine.Length + others > 0 ? command : null);
        }

        try
        {
            var cleared = System.Text.Json.JsonSerializer.Deserialize<ClearedCount>(await SiloApi.SendAsync(client, HttpMethod.Delete, path, null, cancellationToken), SiloApi.Json)!;
            return new Leftover(mine, others, cleared.Cleared, null, null);
        }
        catch (Exception e) when (e is HttpRequestException or InvalidOperationException)
        {
            // A refused clear (a busy registry's 503) after the whole replay: its report, the failure and the command, exit 1.
            return new Leftover(mine, others, null, e.Message, command);
        }
    }

    /// <summary>The command line that clears a campaign's faults on the silo at <paramref name="silo"/>: the key by its variable, never its value.</summary>
    public static string ClearCommand(Uri? silo, string path) =>
        $"curl -s -X DELETE -H \"Authorization: Bearer ${SiloApi.KeyVariable}\" '{new Uri(silo ?? new Uri("http://127.0.0.1:8080"), path)}'";

    /// <summary>The call's answer, if it got one, told to <paramref name="watch"/> either way.</summary>
    private static async Task<(bool Answered, T? Answer)> TryAsync<T>(SiloWatch watch, Func<Task<T>> call)
    {
        try
        {
            var answer = await call();
            watch.Answered();
            return (true, answer);
        }
        catch (HttpRequestException e) when (SiloWatch.IsNoAnswer(e))
        {
            watch.Unanswered(e);
            return (false, default);
        }
    }

    /// <summary>
    /// Reads the faults whose step has ended: the last step finished, if it began after the fault landed and before
    /// the next one did; read again at the next poll if a step ended while reading.
    /// </summary>
    private static async Task ReadAsync(HttpClient client, List<Acting> acting, Action<Acting, Landing> settle, Func<Acting, string, Landing> without, TimeSpan now, TimeSpan actBound, CancellationToken cancellationToken)
    {
        var cluster = await SiloApi.ClusterAsync(client, cancellationToken);
        var finished = StepsFinished(cluster);

        // The last step ended as the finished count reached `finished`, and began as it reached `finished - 1`.
        bool Began(Acting a) => finished - 1 >= a.FinishedAtLanding + StepsToAct - 1;
        bool BeganBeforeNext(Acting a) => a.FinishedAtNext is not { } next || finished - 1 <= next;

        // Its step ended unread (a fast pace: a later step has ended since, which began after the next fault).
        foreach (var a in acting.Where(a => Began(a) && !BeganBeforeNext(a)).ToArray())
        {
            settle(a, without(a, "its step ended unread before the next fault's"));
        }

        var ready = acting.Where(Began).ToArray();
        if (ready.Length > 0)
        {
            var steps = await SiloApi.StepsAsync(client, 1, cancellationToken);
            var step = steps.Count > 0 ? steps[^1] : null;
            var stragglers = await SiloApi.StragglersAsync(client, 1, cancellationToken);
            if (step is not null && StepsFinished(await SiloApi.ClusterAsync(client, cancellationToken)) == finished)
            {
                // The straggler report is the last completed step's: a failed step has none of its own.
                var top = stragglers is { } r && r.Step == step.Number && step.Ok ? TopOf(r) : null;
                foreach (var a in ready)
                {
                    settle(a, new Landing(a.Fault.Id, a.Fault.Kind, a.Fault.Start, a.Fault.Targets, a.LandedAfterSeconds, step.Number, step.DurationSeconds, top?.Node, top?.Slowdown, step.Ok, null,
                        Math.Max(0, cluster.Job.StepsFailed - a.FailedAtLanding - (step.Ok ? 0 : 1)))); // a new run counts from 0
                }
            }
        }

        // A running job's own bound for a step, where longer (found by a check: at realtime x1 a step past the barrier
        // timeout lasts that timeout in wall time, 30-120 s, and such a row never had its failed step).
        var bound = Bound(cluster, actBound);
        foreach (var a in acting.Where(a => now - a.Since >= bound).ToArray())
        {
            settle(a, without(a, string.Create(CultureInfo.InvariantCulture, $"no step of its own ended within {bound.TotalSeconds:0.#} s")));
        }
    }

    /// <summary>
    /// How long a fault waits for a step of its own: <paramref name="actBound"/>, or at realtime pace the running job's
    /// stall bound where longer (<c>job.progress.stallBoundSeconds</c>: at least three barrier timeouts over the speed,
    /// while a step that misses the barrier lasts one), the time after which the job itself reads as stalled.
    /// </summary>
    public static TimeSpan Bound(ClusterStatus cluster, TimeSpan actBound)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        return cluster.Job.Pace.Mode == PaceMode.Realtime && cluster.Job.Progress is { StallBoundSeconds: var stall } && stall > actBound.TotalSeconds
            ? TimeSpan.FromSeconds(Math.Min(stall, RunLimits.MaxSeconds)) // a speed near 0 makes it past any TimeSpan
            : actBound;
    }

    private static string Note(Landing landing) =>
        landing.NoFigures ?? string.Join("; ", new[]
        {
            landing.StepOk == false ? "the step failed" : null,
            landing.FailedSinceLanding is > 0 and var n ? string.Create(CultureInfo.InvariantCulture, $"{n} step(s) failed before it, since the fault landed") : null,
        }.OfType<string>());

    /// <summary>A landing as one line for the terminal.</summary>
    public static string Describe(Landing landing)
    {
        ArgumentNullException.ThrowIfNull(landing);
        var head = string.Create(CultureInfo.InvariantCulture, $"+{landing.LandedAfterSeconds,6:F1}s {landing.Id} {landing.Kind} on {landing.Targets} target(s): ");
        return landing.Step is not { } step
            ? head + landing.NoFigures
            : head + string.Create(CultureInfo.InvariantCulture,
                $"step {step}{(landing.StepOk == false ? " (failed)" : string.Empty)}, T_step {landing.StepSeconds:F3} s, top straggler {landing.TopStraggler ?? "-"}{(landing.TopSlowdown is { } x ? string.Create(CultureInfo.InvariantCulture, $" x{x:F2}") : string.Empty)}{(landing.FailedSinceLanding is > 0 and var n ? string.Create(CultureInfo.InvariantCulture, $"; {n} step(s) failed before it, since the fault landed") : string.Empty)}");
    }

    private static NodeStragglerFigures? TopOf(StragglerReport? report) => report is { Nodes.Count: > 0 } ? report.Nodes[0] : null;

    /// <summary>Steps the job has finished, ok or failed: the counter that moves whatever a step's outcome.</summary>
    public static long StepsFinished(ClusterStatus cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        return cluster.Job.StepsOk + cluster.Job.StepsFailed;
    }
}
