using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OrleansCluster.Abstractions.Api;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Testing;

namespace OrleansCluster.Cli.Tests;

/// <summary>
/// What <c>orleanscluster alerts</c> reads, served on 127.0.0.1 by one small web app: the silo's
/// <c>GET /api/faults</c> as the registry answers it (every fault given, <c>since</c> keeping those not ended before it,
/// ordered by id, paged, <c>X-Total-Count</c>) and <c>GET /api/cluster</c> (a job at the pace given, nothing else), and
/// Prometheus' <c>/api/v1/query_range</c> (the samples given, within the range asked), <c>/api/v1/rules</c>,
/// <c>/api/v1/targets</c> (the simulator's one target, at the scrape interval given) and <c>/api/v1/query</c> (any
/// instant query answered with that target's <c>job</c> and <c>instance</c>: the one the command asks, which targets
/// hold the simulator's series). A test gives the faults as the registry holds them, its bounded history of
/// ended ones included, to set up what a real silo takes more than 1,000 ended faults to reach.
/// </summary>
public sealed class FakeAlertSources : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<double> _rangeStarts = [];

    private FakeAlertSources(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>A fault as <c>GET /api/faults</c> lists it; a background failure when <paramref name="SimulatedRepairSeconds"/> is given.</summary>
    public sealed record Fault(string Id, string Node, DateTimeOffset StartsAt, DateTimeOffset? EndsAt, string State, double? SimulatedRepairSeconds = null);

    /// <summary>One firing series of <c>ALERTS</c>: its rule, the host in its <c>node</c> label, and its samples.</summary>
    public sealed record Series(string Rule, string Node, IReadOnlyList<DateTimeOffset> Samples);

    /// <summary>Both the silo's and Prometheus' address: <c>http://127.0.0.1:PORT</c>.</summary>
    public string Url { get; }

    /// <summary>The <c>start</c> of every range query received, in Unix seconds.</summary>
    public IReadOnlyList<double> RangeStarts
    {
        get
        {
            lock (_rangeStarts)
            {
                return [.. _rangeStarts];
            }
        }
    }

    /// <summary>
    /// Starts serving. With <paramref name="rangeRefusal"/>, every range query is answered 400 with Prometheus' error
    /// body carrying that message. The job runs at <paramref name="pace"/> (realtime at speed 1 by default); the rules'
    /// group is evaluated every <paramref name="evaluationSeconds"/> (no <c>interval</c> when null), and the simulator's
    /// target is scraped every <paramref name="scrapeSeconds"/> (no <c>scrapeInterval</c> when null). With
    /// <paramref name="targetsMissing"/>, <c>/api/v1/targets</c> answers 404 as a query front-end without it does.
    /// <paramref name="groups"/>, when given, name each rule's group and its interval (rules of <paramref name="series"/>
    /// not in it go to a group of <paramref name="evaluationSeconds"/>). <paramref name="faultsByRequest"/>, when given,
    /// says what the registry holds at each <c>GET /api/faults</c> (the first is 1), for a list that changes between pages.
    /// </summary>
    public static async Task<FakeAlertSources> StartAsync(IReadOnlyList<Fault> faults, IReadOnlyList<Series> series, string? rangeRefusal = null, PaceSettings? pace = null, double? evaluationSeconds = 1, double? scrapeSeconds = 1, bool targetsMissing = false, IReadOnlyDictionary<string, double>? groups = null, Func<int, IReadOnlyList<Fault>>? faultsByRequest = null)
    {
        groups ??= new Dictionary<string, double>();
        var cluster = JsonSerializer.Serialize(new ClusterStatus("fake", [], [], new JobStatus(JobState.Running, pace ?? PaceSettings.Realtime(), 1, 0, 1, 0, 0, 0, 1, 0, 1), null), ApiJson.Create());
        var url = $"http://127.0.0.1:{ManagedProcess.FreePort()}";
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(url);
        var app = builder.Build();
        var sources = new FakeAlertSources(app, url);
        var requests = 0;
        app.MapGet("/api/faults", (HttpContext context) =>
        {
            var request = Interlocked.Increment(ref requests);
            return ListFaults(context, faultsByRequest?.Invoke(request) ?? faults);
        });
        app.MapGet("/api/cluster", () => Results.Text(cluster, "application/json"));
        app.MapGet("/api/v1/query_range", (HttpContext context) => sources.QueryRange(context, series, rangeRefusal));
        static JsonNode Group(string name, double? interval, IEnumerable<string> rules) =>
            new JsonObject { ["name"] = name, ["interval"] = interval, ["rules"] = new JsonArray([.. rules.Select(r => (JsonNode)new JsonObject { ["name"] = r, ["type"] = "alerting" })]) };
        JsonNode[] ruleGroups =
        [
            Group("scored", evaluationSeconds, series.Select(s => s.Rule).Distinct().Where(r => !groups.ContainsKey(r))),
            .. groups.GroupBy(g => g.Value).Select(g => Group($"every-{g.Key}s", g.Key, g.Select(r => r.Key))),
        ];
        app.MapGet("/api/v1/rules", () => Results.Text(
            new JsonObject { ["status"] = "success", ["data"] = new JsonObject { ["groups"] = new JsonArray([.. ruleGroups.Select(g => g.DeepClone())]) } }.ToJsonString(),
            "application/json"));
        var target = new JsonObject { ["job"] = "orleanscluster", ["instance"] = url[7..] };
        app.MapGet("/api/v1/targets", () => targetsMissing ? Results.Text("404 page not found", "text/plain", statusCode: StatusCodes.Status404NotFound) : Results.Text(
            new JsonObject { ["status"] = "success", ["data"] = new JsonObject { ["activeTargets"] = new JsonArray(new JsonObject { ["labels"] = target.DeepClone(), ["scrapeInterval"] = scrapeSeconds is { } every ? string.Create(CultureInfo.InvariantCulture, $"{every * 1000:0}ms") : null }), ["droppedTargets"] = new JsonArray() } }.ToJsonString(),
            "application/json"));
        app.MapGet("/api/v1/query", () => Results.Text(
            new JsonObject { ["status"] = "success", ["data"] = new JsonObject { ["resultType"] = "vector", ["result"] = new JsonArray(new JsonObject { ["metric"] = target.DeepClone(), ["value"] = new JsonArray(0, "1") }) } }.ToJsonString(),
            "application/json"));
        await app.StartAsync(TestContext.Current.CancellationToken);
        return sources;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }

    private static IResult ListFaults(HttpContext context, IReadOnlyList<Fault> faults)
    {
        var query = context.Request.Query;
        var since = query.TryGetValue("since", out var s) ? DateTimeOffset.Parse(s.ToString(), CultureInfo.InvariantCulture) : (DateTimeOffset?)null;
        var kept = faults.Where(f => since is not { } t || f.EndsAt is null || f.EndsAt >= t).OrderBy(f => f.Id, StringComparer.Ordinal).ToArray();
        context.Response.Headers["X-Total-Count"] = kept.Length.ToString(CultureInfo.InvariantCulture);
        var page = query.TryGetValue("page", out var p) ? int.Parse(p.ToString(), CultureInfo.InvariantCulture) : 1;
        var size = query.TryGetValue("pageSize", out var z) ? int.Parse(z.ToString(), CultureInfo.InvariantCulture) : int.MaxValue;
        var listed = kept.Skip((page - 1) * size).Take(size).Select(f => new JsonObject
        {
            ["id"] = f.Id,
            ["kind"] = "node.crash",
            ["state"] = f.State,
            ["startsAt"] = f.StartsAt.ToString("O", CultureInfo.InvariantCulture),
            ["endsAt"] = f.EndsAt?.ToString("O", CultureInfo.InvariantCulture),
            ["targets"] = new JsonObject { ["nodes"] = new JsonArray(f.Node), ["links"] = new JsonArray() },
            ["source"] = f.SimulatedRepairSeconds is null ? null : "background",
            ["simulatedStartSeconds"] = f.SimulatedRepairSeconds is null ? null : 0,
            ["simulatedRepairSeconds"] = f.SimulatedRepairSeconds,
        });
        return Results.Text(new JsonArray([.. listed]).ToJsonString(), "application/json");
    }

    private IResult QueryRange(HttpContext context, IReadOnlyList<Series> series, string? refusal)
    {
        var start = double.Parse(context.Request.Query["start"].ToString(), CultureInfo.InvariantCulture);
        var end = double.Parse(context.Request.Query["end"].ToString(), CultureInfo.InvariantCulture);
        lock (_rangeStarts)
        {
            _rangeStarts.Add(start);
        }

        if (refusal is not null)
        {
            return Results.Text(JsonSerializer.Serialize(new { status = "error", errorType = "bad_data", error = refusal }), "application/json", statusCode: StatusCodes.Status400BadRequest);
        }

        var result = new JsonArray();
        foreach (var one in series)
        {
            var values = one.Samples.Select(t => t.ToUnixTimeMilliseconds() / 1000.0).Where(t => t >= start && t <= end).ToArray();
            if (values.Length > 0)
            {
                result.Add(new JsonObject
                {
                    ["metric"] = new JsonObject { ["__name__"] = "ALERTS", ["alertname"] = one.Rule, ["alertstate"] = "firing", ["node"] = one.Node },
                    ["values"] = new JsonArray([.. values.Select(t => (JsonNode)new JsonArray(t, "1"))]),
                });
            }
        }

        return Results.Text(new JsonObject { ["status"] = "success", ["data"] = new JsonObject { ["resultType"] = "matrix", ["result"] = result } }.ToJsonString(), "application/json");
    }
}
