using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace OrleansCluster.Cli.Commands;

/// <summary>
/// <c>ramp</c>: loads scenarios of growing size (one site of H100 nodes per size, then optionally the
/// <c>colossus</c> preset) at <c>max</c> pace, measures each for a fixed window, and stops at the first size whose
/// step rate falls below the floor. Leaves the cluster on the last scenario it measured, paused.
/// </summary>
public static partial class Ramp
{
    public sealed record Options(IReadOnlyList<int> Sizes, bool Colossus, double FloorStepsPerSecond, TimeSpan Window, TimeSpan Warmup);

    public sealed record Stage(string Scenario, int Nodes, double StepsPerSecond, double GrainCallsPerSecond, double ScrapeMilliseconds, long ScrapeBytes, double WorkingSetMiB, bool HeldFloor);

    public sealed record Report(double FloorStepsPerSecond, IReadOnlyList<Stage> Stages, string? LargestHeld, string? StoppedAt);

    /// <summary>A one-site scenario of <paramref name="nodes"/> H100 nodes (in as many sites of at most 99,999 as it takes).</summary>
    public static string UniformScenario(int nodes)
    {
        var sites = new List<string>();
        for (int remaining = nodes, i = 0; remaining > 0; i++)
        {
            var count = Math.Min(remaining, 99_999);
            sites.Add($$"""{ "name": "s{{i}}", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 2 }, "nodes": [ { "generation": "H100", "count": {{count}} } ] }""");
            remaining -= count;
        }

        var links = Enumerable.Range(1, sites.Count - 1).Select(i => $$"""{ "from": "s{{i - 1}}", "to": "s{{i}}", "distanceKm": 10, "bandwidthGbps": 800 }""");
        return $$"""
            { "name": "ramp-{{nodes}}", "seed": 1,
              "job": { "flopsPerGpuPerStep": 4e14, "gradientBytes": 2e9, "barrierTimeoutSeconds": 600 },
              "sites": [ {{string.Join(", ", sites)}} ], "links": [ {{string.Join(", ", links)}} ] }
            """;
    }

    public static async Task<Report> RunAsync(HttpClient client, Options options, Action<Stage>? onStage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        var stages = new List<Stage>();
        string? largest = null, stopped = null;
        var plan = options.Sizes.Select(n => (Name: $"ramp-{n}", Nodes: n, Body: UniformScenario(n)))
            .Concat(options.Colossus ? [("colossus", 88_000, """{"preset":"colossus"}""")] : []);
        foreach (var (name, nodes, body) in plan)
        {
            await SendAsync(client, HttpMethod.Put, "/api/scenario", body, cancellationToken);
            await SendAsync(client, HttpMethod.Put, "/api/job/pace", """{"mode":"max"}""", cancellationToken);
            await Task.Delay(options.Warmup, cancellationToken);

            var before = await client.GetFromJsonAsync<JsonElement>("/api/cluster", cancellationToken);
            var clock = Stopwatch.StartNew();
            await Task.Delay(options.Window, cancellationToken);
            var after = await client.GetFromJsonAsync<JsonElement>("/api/cluster", cancellationToken);
            var seconds = clock.Elapsed.TotalSeconds;

            var scrape = Stopwatch.StartNew();
            var page = await client.GetStringAsync("/metrics", cancellationToken);
            var scrapeMs = scrape.Elapsed.TotalMilliseconds;
            var workingSet = WorkingSet().Match(page) is { Success: true } m ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) / 1048576 : double.NaN;

            var stepsPerSecond = (Steps(after) - Steps(before)) / seconds;
            var callsPerSecond = (after.GetProperty("job").GetProperty("grainCalls").GetInt64() - before.GetProperty("job").GetProperty("grainCalls").GetInt64()) / seconds;
            var stage = new Stage(name, nodes, Math.Round(stepsPerSecond, 2), Math.Round(callsPerSecond), Math.Round(scrapeMs, 1), page.Length, Math.Round(workingSet), stepsPerSecond >= options.FloorStepsPerSecond);
            stages.Add(stage);
            onStage?.Invoke(stage);
            if (!stage.HeldFloor)
            {
                stopped = $"{name}: {stepsPerSecond:F2} steps/s is below the floor of {options.FloorStepsPerSecond} steps/s";
                break;
            }

            largest = name;
        }

        await SendAsync(client, HttpMethod.Post, "/api/job/pause", null, cancellationToken);
        return new Report(options.FloorStepsPerSecond, stages, largest, stopped);
    }

    private static long Steps(JsonElement cluster) =>
        cluster.GetProperty("job").GetProperty("stepsOk").GetInt64() + cluster.GetProperty("job").GetProperty("stepsFailed").GetInt64();

    private static async Task SendAsync(HttpClient client, HttpMethod method, string path, string? json, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{method} {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    [GeneratedRegex(@"^dotnet_process_memory_working_set_bytes\{[^}]*\} (\S+)$", RegexOptions.Multiline)]
    private static partial Regex WorkingSet();
}
