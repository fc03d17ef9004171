using System.Diagnostics;
using System.Globalization;
using OrleansCluster.Abstractions.Api;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Cli.Reports;

namespace OrleansCluster.Cli.Commands;

/// <summary>
/// <c>campaign FILE</c>: replays a fault campaign (the admin API's format) against a live cluster and follows it
/// for <c>--seconds</c>: as each fault lands, the step time and the top straggler once the fault has had a step
/// to act, and after the last one, the steps that follow (a flap's failed step among them).
/// </summary>
public static class CampaignReplay
{
    /// <summary>
    /// Steps to wait for after a fault lands before reading its figures: the step in flight when it lands began
    /// before it, so the one after is the first that shows it.
    /// </summary>
    public const int StepsToAct = 2;

    /// <summary>The longest wait for those steps (a paused or stalled job): the figures are read then anyway.</summary>
    public static readonly TimeSpan ActBound = TimeSpan.FromSeconds(30);

    public sealed record Landing(string Id, string Kind, double StartInSeconds, int Targets, double LandedAfterSeconds, long Step, double StepSeconds, string? TopStraggler, double? TopSlowdown);

    /// <summary>The run after the last fault landed, until <c>--seconds</c>: steps finished, ok and failed, and the figures at the end.</summary>
    public sealed record Followed(double Seconds, long StepsOk, long StepsFailed, long Step, double StepSeconds, string? TopStraggler);

    public sealed record Report(string Campaign, IReadOnlyList<Landing> Faults, bool Complete, Followed? After) : ICommandReport
    {
        public bool Held() => Complete;

        public string Summary() =>
            $"campaign {Campaign}: {Faults.Count} fault(s) landed{(Complete ? string.Empty : "; stopped before the last ones started")}"
            + (After is { } a ? $"; followed {ReportWriter.F(a.Seconds, 1)} s after the last: {ReportWriter.N(a.StepsOk)} steps ok, {ReportWriter.N(a.StepsFailed)} failed" : string.Empty);

        public IReadOnlyList<ReportTable> Tables()
        {
            var faults = new ReportTable(
                "Faults as they landed (figures once each has had a step to act)",
                ["landed after s", "fault", "kind", "targets", "step", "T_step s", "top straggler", "slowdown"],
                Faults.Select(f => (IReadOnlyList<string>)[ReportWriter.F(f.LandedAfterSeconds, 1), f.Id, f.Kind, ReportWriter.N(f.Targets), ReportWriter.N(f.Step), ReportWriter.F(f.StepSeconds, 3), f.TopStraggler ?? "-", f.TopSlowdown is { } x ? ReportWriter.F(x) : "-"]).ToArray());
            return After is not { } a
                ? [faults]
                : [faults, new ReportTable(
                    "After the last fault",
                    ["followed s", "steps ok", "steps failed", "step", "T_step s", "top straggler"],
                    [[ReportWriter.F(a.Seconds, 1), ReportWriter.N(a.StepsOk), ReportWriter.N(a.StepsFailed), ReportWriter.N(a.Step), ReportWriter.F(a.StepSeconds, 3), a.TopStraggler ?? "-"]])];
        }
    }

    private sealed record Pending(string Id, string Kind, double Start, int Targets);

    private sealed record Acting(Pending Fault, double LandedAfterSeconds, long FinishedAtLanding, TimeSpan Since);

    public static async Task<Report> RunAsync(HttpClient client, string campaignJson, TimeSpan limit, Action<Landing>? onLanding, CancellationToken cancellationToken)
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
        while ((pending.Count > 0 || acting.Count > 0) && clock.Elapsed < limit)
        {
            var due = pending.Where(f => f.Start <= clock.Elapsed.TotalSeconds).ToArray();
            if (due.Length > 0)
            {
                var finished = StepsFinished(await SiloApi.ClusterAsync(client, cancellationToken));
                acting.AddRange(due.Select(f => new Acting(f, Math.Round(clock.Elapsed.TotalSeconds, 1), finished, clock.Elapsed)));
                pending.RemoveAll(due.Contains);
            }

            if (acting.Count > 0)
            {
                var cluster = await SiloApi.ClusterAsync(client, cancellationToken);
                var ready = acting.Where(a => StepsFinished(cluster) >= a.FinishedAtLanding + StepsToAct || clock.Elapsed - a.Since >= ActBound).ToArray();
                if (ready.Length > 0)
                {
                    var top = TopOf(await SiloApi.StragglersAsync(client, 1, cancellationToken));
                    foreach (var a in ready)
                    {
                        var landing = new Landing(a.Fault.Id, a.Fault.Kind, a.Fault.Start, a.Fault.Targets, a.LandedAfterSeconds, cluster.Job.Step, cluster.LastStep?.DurationSeconds ?? 0, top?.Node, top?.Slowdown);
                        landings.Add(landing);
                        onLanding?.Invoke(landing);
                        acting.Remove(a);
                    }

                    lastLanded = pending.Count == 0 && acting.Count == 0 ? (cluster, clock.Elapsed) : lastLanded;
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }

        var complete = pending.Count == 0 && acting.Count == 0;
        Followed? after = null;
        if (complete && lastLanded is { } landed)
        {
            // --seconds bounds the whole replay: what is left of it follows the run after the last fault.
            var left = limit - clock.Elapsed;
            if (left > TimeSpan.Zero)
            {
                await Task.Delay(left, cancellationToken);
            }

            var end = await SiloApi.ClusterAsync(client, cancellationToken);
            var top = TopOf(await SiloApi.StragglersAsync(client, 1, cancellationToken));
            after = new Followed(
                Math.Round((clock.Elapsed - landed.At).TotalSeconds, 1),
                end.Job.StepsOk - landed.Status.Job.StepsOk,
                end.Job.StepsFailed - landed.Status.Job.StepsFailed,
                end.Job.Step,
                end.LastStep?.DurationSeconds ?? 0,
                top?.Node);
        }

        return new Report(result.Campaign, landings, complete, after);
    }

    /// <summary>A landing as one line for the terminal.</summary>
    public static string Describe(Landing landing)
    {
        ArgumentNullException.ThrowIfNull(landing);
        return string.Create(CultureInfo.InvariantCulture,
            $"+{landing.LandedAfterSeconds,6:F1}s {landing.Id} {landing.Kind} on {landing.Targets} target(s): step {landing.Step}, T_step {landing.StepSeconds:F3} s, top straggler {landing.TopStraggler ?? "-"} x{landing.TopSlowdown:F2}");
    }

    private static NodeStragglerFigures? TopOf(StragglerReport? report) => report is { Nodes.Count: > 0 } ? report.Nodes[0] : null;

    /// <summary>Steps the job has finished, ok or failed: the counter that moves whatever a step's outcome.</summary>
    public static long StepsFinished(ClusterStatus cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        return cluster.Job.StepsOk + cluster.Job.StepsFailed;
    }
}
