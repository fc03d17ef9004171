using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OrleansCluster.Cli.Reports;

namespace OrleansCluster.Cli.Commands;

/// <summary>
/// <c>campaign FILE</c>: replays a fault campaign (the admin API's format) against a live cluster and follows it:
/// as each fault lands, the step time and the top straggler that follow it.
/// </summary>
public static class CampaignReplay
{
    public sealed record Landing(string Id, string Kind, double StartInSeconds, int Targets, double LandedAfterSeconds, long Step, double StepSeconds, string? TopStraggler, double? TopSlowdown);

    public sealed record Report(string Campaign, IReadOnlyList<Landing> Faults, bool Complete) : ICommandReport
    {
        public bool Held() => Complete;

        public string Summary() =>
            $"campaign {Campaign}: {Faults.Count} fault(s) landed{(Complete ? string.Empty : "; stopped before the last ones started")}";

        public IReadOnlyList<ReportTable> Tables() =>
        [
            new ReportTable(
                "Faults as they landed",
                ["landed after s", "fault", "kind", "targets", "step", "T_step s", "top straggler", "slowdown"],
                Faults.Select(f => (IReadOnlyList<string>)[ReportWriter.F(f.LandedAfterSeconds, 1), f.Id, f.Kind, ReportWriter.N(f.Targets), ReportWriter.N(f.Step), ReportWriter.F(f.StepSeconds, 3), f.TopStraggler ?? "-", f.TopSlowdown is { } x ? ReportWriter.F(x) : "-"]).ToArray()),
        ];
    }

    public static async Task<Report> RunAsync(HttpClient client, string campaignJson, TimeSpan limit, Action<Landing>? onLanding, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var content = new StringContent(campaignJson, Encoding.UTF8, "application/json");
        using var response = await client.PostAsync("/api/faults/campaign", content, cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"the campaign was refused ({(int)response.StatusCode}): {body.GetProperty("detail").GetString()}");
        }

        var clock = Stopwatch.StartNew();
        var pending = body.GetProperty("faults").EnumerateArray()
            .Select(f => (Id: f.GetProperty("id").GetString()!, Kind: f.GetProperty("kind").GetString()!,
                Start: f.TryGetProperty("startInSeconds", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetDouble() : 0,
                Targets: f.GetProperty("targets").GetProperty("nodes").GetArrayLength() + f.GetProperty("targets").GetProperty("links").GetArrayLength()))
            .OrderBy(f => f.Start)
            .ToList();
        var landings = new List<Landing>();
        while (pending.Count > 0 && clock.Elapsed < limit)
        {
            var due = pending.Where(f => f.Start <= clock.Elapsed.TotalSeconds).ToArray();
            if (due.Length > 0)
            {
                // Let a step or two run under the new fault before reading what it did.
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                var cluster = await client.GetFromJsonAsync<JsonElement>("/api/cluster", cancellationToken);
                var stragglers = await client.GetFromJsonAsync<JsonElement>("/api/stragglers?top=1", cancellationToken);
                var top = stragglers.GetProperty("nodes").EnumerateArray().FirstOrDefault();
                foreach (var fault in due)
                {
                    var landing = new Landing(
                        fault.Id,
                        fault.Kind,
                        fault.Start,
                        fault.Targets,
                        Math.Round(clock.Elapsed.TotalSeconds, 1),
                        cluster.GetProperty("job").GetProperty("step").GetInt64(),
                        cluster.TryGetProperty("lastStep", out var last) ? last.GetProperty("durationSeconds").GetDouble() : 0,
                        top.ValueKind == JsonValueKind.Object ? top.GetProperty("node").GetString() : null,
                        top.ValueKind == JsonValueKind.Object ? top.GetProperty("slowdown").GetDouble() : null);
                    landings.Add(landing);
                    onLanding?.Invoke(landing);
                    pending.Remove(fault);
                }
            }
            else
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
            }
        }

        return new Report(body.GetProperty("campaign").GetString()!, landings, pending.Count == 0);
    }

    /// <summary>A landing as one line for the terminal.</summary>
    public static string Describe(Landing landing)
    {
        ArgumentNullException.ThrowIfNull(landing);
        return string.Create(CultureInfo.InvariantCulture,
            $"+{landing.LandedAfterSeconds,6:F1}s {landing.Id} {landing.Kind} on {landing.Targets} target(s): step {landing.Step}, T_step {landing.StepSeconds:F3} s, top straggler {landing.TopStraggler ?? "-"} x{landing.TopSlowdown:F2}");
    }
}
