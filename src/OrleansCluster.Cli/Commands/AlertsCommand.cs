using System.CommandLine;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansCluster.Cli.Reports;

namespace OrleansCluster.Cli.Commands;

/// <summary>
/// <c>orleanscluster alerts</c>: reads the firing alerts of a Prometheus that evaluates the user's rules while it
/// scrapes the simulator (<c>ALERTS{alertstate="firing"}</c> over the window, by its HTTP API) and the ground truth
/// of the admin API (<c>GET /api/faults?all=true&amp;since=</c>, paged), matches them by host label and scores each rule.
/// </summary>
public static class AlertsCommand
{
    private const int PageSize = 1000;

    /// <summary>What the command reads and how it matches.</summary>
    public sealed record Options(TimeSpan Window, TimeSpan Grace, TimeSpan Step, IReadOnlyList<string> HostLabels);

    /// <summary>The command, for the root; <paramref name="finish"/> prints the report and answers the exit code.</summary>
    public static Command Create(Option<string> url, Option<string?> key, Func<ParseResult, string, ICommandReport, Target, CancellationToken, Task<int>> finish)
    {
        var prometheus = new Option<string>("--prometheus") { Description = "The Prometheus that evaluates the alert rules (loopback).", DefaultValueFactory = _ => "http://127.0.0.1:9090" };
        var window = new Option<int>("--seconds") { Description = "The window scored, ending now.", DefaultValueFactory = _ => 600 };
        var grace = new Option<int>("--grace") { Description = "Seconds after a fault's end in which a firing still counts for it.", DefaultValueFactory = _ => 60 };
        var step = new Option<int>("--step") { Description = "Seconds between the ALERTS samples read.", DefaultValueFactory = _ => 5 };
        var labels = new Option<string[]>("--host-label") { Description = "Alert labels naming the host, in order (default: Hostname, node, link).", AllowMultipleArgumentsPerToken = true };
        var command = new Command("alerts", "Score alert rules: match firing alerts in a Prometheus to the ground-truth faults by host label; true and false positives, missed faults, precision, recall, time to detect p50/p95 per rule.")
        {
            prometheus, window, grace, step, labels,
        };
        command.SetAction(async (parse, ct) =>
        {
            try
            {
                var target = Target.Parse(parse.GetValue(url)!, parse.GetValue(key));
                using var admin = target.CreateClient();
                using var prom = Target.Parse(parse.GetValue(prometheus)!, null).CreateClient();
                var options = new Options(
                    TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(window))),
                    TimeSpan.FromSeconds(Math.Max(0, parse.GetValue(grace))),
                    TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(step))),
                    parse.GetValue(labels) is { Length: > 0 } given ? given : ["Hostname", "node", "link"]);
                var report = await RunAsync(admin, prom, options, DateTimeOffset.UtcNow, ct);
                return await finish(parse, "alerts", report, target, ct);
            }
            catch (Exception e) when (CommandErrors.CouldNotRun(e, ct))
            {
                await Console.Error.WriteLineAsync($"error: {CommandErrors.Describe(e)}");
                return 2;
            }
        });
        return command;
    }

    /// <summary>Reads both sides for the window ending at <paramref name="now"/> and scores every rule.</summary>
    public static async Task<AlertScoring.Report> RunAsync(HttpClient admin, HttpClient prometheus, Options options, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var from = now - options.Window;
        var faults = await ReadFaultsAsync(admin, from, now, cancellationToken);
        var episodes = await ReadEpisodesAsync(prometheus, options, from, now, cancellationToken);
        var scores = AlertScoring.Score(faults, episodes, options.Grace, now, await ReadRuleNamesAsync(prometheus, cancellationToken));
        return new AlertScoring.Report(from, now, faults.Count, episodes.Count, scores);
    }

    private static async Task<List<AlertScoring.TruthFault>> ReadFaultsAsync(HttpClient admin, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var faults = new List<AlertScoring.TruthFault>();
        for (var page = 1; ; page++)
        {
            var path = $"/api/faults?all=true&allNodes=true&since={Uri.EscapeDataString(from.ToString("O", CultureInfo.InvariantCulture))}&page={page}&pageSize={PageSize}";
            var batch = await admin.GetFromJsonAsync<List<FaultRow>>(path, ReportWriter.Json, cancellationToken) ?? [];
            faults.AddRange(batch
                .Where(f => f.StartsAt >= from && f.StartsAt <= to)
                .Select(f => new AlertScoring.TruthFault(f.Id, f.Kind, f.Cause, [.. f.Targets?.Nodes ?? [], .. f.Targets?.Links ?? []], f.StartsAt, f.EndsAt)));
            if (batch.Count < PageSize)
            {
                return faults;
            }
        }
    }

    private static async Task<List<AlertScoring.Episode>> ReadEpisodesAsync(HttpClient prometheus, Options options, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var query = Uri.EscapeDataString("ALERTS{alertstate=\"firing\"}");
        var url = string.Create(CultureInfo.InvariantCulture, $"/api/v1/query_range?query={query}&start={from.ToUnixTimeMilliseconds() / 1000.0}&end={to.ToUnixTimeMilliseconds() / 1000.0}&step={options.Step.TotalSeconds}");
        using var document = JsonDocument.Parse(await prometheus.GetStringAsync(new Uri(url, UriKind.Relative), cancellationToken));
        var root = document.RootElement;
        if (root.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"Prometheus answered {root}");
        }

        var episodes = new List<AlertScoring.Episode>();
        foreach (var series in root.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            var metric = series.GetProperty("metric");
            var rule = metric.GetProperty("alertname").GetString()!;
            var host = options.HostLabels.Select(l => metric.TryGetProperty(l, out var v) ? v.GetString() : null).FirstOrDefault(v => v is not null);
            var samples = series.GetProperty("values").EnumerateArray().Select(v => DateTimeOffset.FromUnixTimeMilliseconds((long)(v[0].GetDouble() * 1000)));
            episodes.AddRange(AlertScoring.Episodes(rule, host, samples, options.Step * 2));
        }

        return episodes;
    }

    // Every alerting rule Prometheus holds, so a rule that never fired is scored too (every fault missed).
    private static async Task<List<string>> ReadRuleNamesAsync(HttpClient prometheus, CancellationToken cancellationToken)
    {
        using var document = JsonDocument.Parse(await prometheus.GetStringAsync(new Uri("/api/v1/rules?type=alert", UriKind.Relative), cancellationToken));
        return [.. document.RootElement.GetProperty("data").GetProperty("groups").EnumerateArray()
            .SelectMany(g => g.GetProperty("rules").EnumerateArray())
            .Select(r => r.GetProperty("name").GetString()!)];
    }

    private sealed record FaultRow(string Id, string Kind, string? Cause, FaultTargetsRow? Targets, DateTimeOffset StartsAt, DateTimeOffset? EndsAt);

    private sealed record FaultTargetsRow(IReadOnlyList<string>? Nodes, IReadOnlyList<string>? Links);
}
