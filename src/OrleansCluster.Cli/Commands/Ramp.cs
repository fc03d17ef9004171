using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OrleansCluster.Cli.Reports;

namespace OrleansCluster.Cli.Commands;

/// <summary>
/// <c>ramp</c>: loads scenarios of growing size (sites of H100 nodes, and optionally the <c>colossus</c> preset in its place)
/// at <c>max</c> pace, measures each for a fixed window (steps/s, step wall time, grain calls/s, and per silo the
/// scrape, memory and CPU), and stops at the first size whose step rate falls below the floor or that fails to
/// load, saying why. Leaves the cluster on the last scenario it loaded, paused.
/// </summary>
public static class Ramp
{
    public sealed record Options(IReadOnlyList<int> Sizes, bool Colossus, double FloorStepsPerSecond, TimeSpan Window, TimeSpan Warmup);

    /// <summary>One silo over one stage: its <c>/metrics</c> page at the end of the window, and its process over the window.</summary>
    public sealed record SiloFigures(string Silo, double ScrapeMilliseconds, long ScrapeBytes, long Samples, double WorkingSetMiB, double CpuCoresBusy, int CpuCount, double GcPauseRatio);

    /// <summary>
    /// One size. Silo figures are summed over the silos (bytes, memory, CPU busy) or their worst (scrape time);
    /// <see cref="CpuCount"/> is the machine's cores, which the silos share (targets are loopback).
    /// <see cref="Limit"/> says what held the step rate back, as far as the figures tell.
    /// </summary>
    public sealed record Stage(
        string Scenario,
        int Nodes,
        double LoadSeconds,
        double StepsPerSecond,
        double StepWallP50Milliseconds,
        double StepWallP99Milliseconds,
        int StepWallSamples,
        double GrainCallsPerSecond,
        double ScrapeMilliseconds,
        long ScrapeBytes,
        double WorkingSetMiB,
        double CpuCoresBusy,
        int CpuCount,
        IReadOnlyList<SiloFigures> Silos,
        bool HeldFloor,
        string Limit);

    public sealed record Report(double FloorStepsPerSecond, int Silos, IReadOnlyList<Stage> Stages, string? LargestHeld, string? StoppedAt) : ICommandReport
    {
        /// <summary>Every planned size held the floor.</summary>
        public bool Held() => StoppedAt is null && Stages.Count > 0;

        public string Summary() =>
            $"largest size at or above {ReportWriter.F(FloorStepsPerSecond, 1)} steps/s on {Silos} silo(s): {LargestHeld ?? "none"}{(StoppedAt is null ? string.Empty : $"; stopped at {StoppedAt}")}";

        public IReadOnlyList<ReportTable> Tables()
        {
            var stages = new ReportTable(
                "Sizes at max pace",
                ["scenario", "nodes", "load s", "steps/s", "wall p50 ms", "wall p99 ms", "grain calls/s", "scrape ms", "scrape KiB", "MiB", "CPU busy", "floor", "what limits"],
                Stages.Select(s => (IReadOnlyList<string>)[s.Scenario, ReportWriter.N(s.Nodes), ReportWriter.F(s.LoadSeconds, 1), ReportWriter.F(s.StepsPerSecond), ReportWriter.F(s.StepWallP50Milliseconds), ReportWriter.F(s.StepWallP99Milliseconds), ReportWriter.N(s.GrainCallsPerSecond), ReportWriter.F(s.ScrapeMilliseconds, 1), ReportWriter.N(s.ScrapeBytes / 1024.0), ReportWriter.N(s.WorkingSetMiB), $"{ReportWriter.F(s.CpuCoresBusy)} / {s.CpuCount}", s.HeldFloor ? "held" : "missed", s.Limit]).ToArray());
            if (Silos < 2)
            {
                return [stages];
            }

            var silos = new ReportTable(
                "Per silo",
                ["scenario", "silo", "scrape ms", "scrape KiB", "samples", "MiB", "CPU busy", "GC pause"],
                Stages.SelectMany(s => s.Silos.Select(f => (IReadOnlyList<string>)[s.Scenario, f.Silo, ReportWriter.F(f.ScrapeMilliseconds, 1), ReportWriter.N(f.ScrapeBytes / 1024.0), ReportWriter.N(f.Samples), ReportWriter.N(f.WorkingSetMiB), $"{ReportWriter.F(f.CpuCoresBusy)} / {f.CpuCount}", f.GcPauseRatio.ToString("P1", CultureInfo.InvariantCulture)])).ToArray());
            return [stages, silos];
        }
    }

    /// <summary>A scenario of <paramref name="nodes"/> H100 nodes, in as many sites of at most 99,999 as it takes, in a chain of links.</summary>
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

    /// <summary>
    /// Runs the ramp: <paramref name="admin"/> is the admin API of any silo, <paramref name="silos"/> every silo whose
    /// <c>/metrics</c>, memory and CPU count (the admin silo among them).
    /// </summary>
    public static async Task<Report> RunAsync(HttpClient admin, IReadOnlyList<HttpClient> silos, Options options, IProgress<RunProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(admin);
        ArgumentNullException.ThrowIfNull(silos);
        ArgumentNullException.ThrowIfNull(options);
        if (silos.Count == 0)
        {
            throw new ArgumentException("at least one silo to measure", nameof(silos));
        }

        foreach (var size in options.Sizes.Where(n => n < 1))
        {
            throw new ArgumentException($"--sizes: {size} is not a node count (each size must be at least 1)");
        }

        if (options.Sizes.Count == 0 && !options.Colossus)
        {
            throw new ArgumentException("--sizes: nothing to ramp through (give sizes, or --colossus)");
        }

        if (!(options.FloorStepsPerSecond >= 0) || options.Window <= TimeSpan.Zero || options.Warmup < TimeSpan.Zero)
        {
            throw new ArgumentException("--floor must be >= 0, --window > 0 and --warmup >= 0");
        }

        var stages = new List<Stage>();
        string? largest = null, stopped = null;
        var plan = options.Sizes.Select(n => (Name: $"ramp-{n}", Nodes: n, Body: UniformScenario(n)))
            .Concat(options.Colossus ? [("colossus", 88_000, """{"preset":"colossus"}""")] : [])
            .OrderBy(p => p.Nodes);
        foreach (var (name, nodes, body) in plan)
        {
            progress?.Report(new RunProgress(name, "loading", 0));
            var load = Stopwatch.StartNew();
            try
            {
                await SendAsync(admin, HttpMethod.Put, "/api/scenario", body, cancellationToken);
                await SendAsync(admin, HttpMethod.Put, "/api/job/pace", """{"mode":"max"}""", cancellationToken);
            }
            catch (Exception e) when (e is InvalidOperationException or HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                stopped = $"{name}: the scenario did not load: {e.Message}";
                progress?.Report(new RunProgress(name, "did not load", 1));
                break;
            }

            var loadSeconds = load.Elapsed.TotalSeconds;
            await WaitAsync(options.Warmup, f => progress?.Report(new RunProgress(name, "warming up", 0.25 * f)), cancellationToken);
            var stage = await MeasureAsync(admin, silos, name, nodes, loadSeconds, options, f => progress?.Report(new RunProgress(name, "measuring", 0.25 + (0.75 * f))), cancellationToken);
            stages.Add(stage);
            progress?.Report(new RunProgress(name, $"{stage.StepsPerSecond:N1} steps/s{(stage.HeldFloor ? string.Empty : " (below the floor)")}", 1));
            if (!stage.HeldFloor)
            {
                stopped = $"{name}: {stage.StepsPerSecond:F2} steps/s is below the floor of {options.FloorStepsPerSecond} steps/s; {stage.Limit}";
                break;
            }

            largest = name;
        }

        try
        {
            await SendAsync(admin, HttpMethod.Post, "/api/job/pause", null, cancellationToken);
        }
        catch (Exception e) when (e is InvalidOperationException or HttpRequestException)
        {
            stopped ??= $"could not pause the job at the end: {e.Message}";
        }

        return new Report(options.FloorStepsPerSecond, silos.Count, stages, largest, stopped);
    }

    private static async Task<Stage> MeasureAsync(HttpClient admin, IReadOnlyList<HttpClient> silos, string name, int nodes, double loadSeconds, Options options, Action<double> onProgress, CancellationToken cancellationToken)
    {
        var pagesBefore = await Task.WhenAll(silos.Select(s => MetricsPage.ScrapeAsync(s, cancellationToken)));
        var before = await ClusterReading.ReadAsync(admin, cancellationToken);
        var clock = Stopwatch.StartNew();
        await WaitAsync(options.Window, onProgress, cancellationToken);
        var after = await ClusterReading.ReadAsync(admin, cancellationToken);
        var seconds = clock.Elapsed.TotalSeconds;
        var pagesAfter = await Task.WhenAll(silos.Select(s => MetricsPage.ScrapeAsync(s, cancellationToken)));
        var siloSeconds = clock.Elapsed.TotalSeconds;

        var (first, last) = (ClusterReading.Job(before).GetProperty("step").GetInt64(), ClusterReading.Job(after).GetProperty("step").GetInt64());
        var recent = await admin.GetFromJsonAsync<JsonElement>("/api/job/steps?count=4096", cancellationToken);
        var walls = recent.EnumerateArray()
            .Where(s => s.GetProperty("ok").GetBoolean() && s.GetProperty("number").GetInt64() > first && s.GetProperty("number").GetInt64() <= last)
            .Select(s => s.GetProperty("wallSeconds").GetDouble() * 1000)
            .Order()
            .ToArray();

        var figures = silos.Select((silo, i) => Figures(silo.BaseAddress?.ToString() ?? $"silo {i}", pagesBefore[i], pagesAfter[i], siloSeconds)).ToArray();
        var stepsPerSecond = (ClusterReading.StepsFinished(after) - ClusterReading.StepsFinished(before)) / seconds;
        var callsPerSecond = (ClusterReading.Job(after).GetProperty("grainCalls").GetInt64() - ClusterReading.Job(before).GetProperty("grainCalls").GetInt64()) / seconds;
        var cpuBusy = figures.Sum(f => f.CpuCoresBusy);
        var cpuCount = Cores(figures);
        return new Stage(
            name,
            nodes,
            Math.Round(loadSeconds, 2),
            Math.Round(stepsPerSecond, 2),
            Math.Round(Percentile(walls, 50), 2),
            Math.Round(Percentile(walls, 99), 2),
            walls.Length,
            Math.Round(callsPerSecond),
            figures.Max(f => f.ScrapeMilliseconds),
            figures.Sum(f => f.ScrapeBytes),
            figures.Sum(f => f.WorkingSetMiB),
            Math.Round(cpuBusy, 2),
            cpuCount,
            figures,
            stepsPerSecond >= options.FloorStepsPerSecond,
            Limit(figures, stepsPerSecond, walls));
    }

    private static SiloFigures Figures(string silo, MetricsPage before, MetricsPage after, double seconds)
    {
        static double Cpu(MetricsPage p) => p.Sum("dotnet_process_cpu_time_seconds_total");
        static double Pause(MetricsPage p) => p.Sum("dotnet_gc_pause_time_seconds_total");
        var workingSet = after.Sum("dotnet_process_memory_working_set_bytes") / 1048576;
        var cpuCount = after.Sum("dotnet_process_cpu_count");
        return new SiloFigures(
            silo,
            Math.Round(after.ScrapeMilliseconds, 1),
            after.Bytes,
            after.Samples,
            double.IsNaN(workingSet) ? 0 : Math.Round(workingSet),
            Math.Round(Math.Max(0, (Cpu(after) - Cpu(before)) / seconds), 2),
            double.IsNaN(cpuCount) ? 0 : (int)cpuCount,
            Math.Round(Math.Max(0, (Pause(after) - Pause(before)) / seconds), 3));
    }

    /// <summary>What the figures say held the stage back: the CPU, the garbage collector, or neither (the step path waits).</summary>
    private static string Limit(IReadOnlyList<SiloFigures> silos, double stepsPerSecond, double[] walls)
    {
        var busy = silos.Sum(s => s.CpuCoresBusy);
        var cores = Cores(silos);
        var gc = silos.Max(s => s.GcPauseRatio);
        if (stepsPerSecond <= 0)
        {
            return "no step finished in the window";
        }

        var cpu = string.Create(CultureInfo.InvariantCulture, $"{busy:F2} of {cores} cores busy");
        if (gc >= 0.1)
        {
            return string.Create(CultureInfo.InvariantCulture, $"garbage collection: paused {gc:P0} of the time ({cpu})");
        }

        if (cores > 0 && busy >= 0.8 * cores)
        {
            return $"CPU: {cpu}";
        }

        return walls.Length == 0
            ? $"not CPU-bound ({cpu})"
            : string.Create(CultureInfo.InvariantCulture, $"not CPU-bound ({cpu}): the step path waits (step wall p50 {Percentile(walls, 50):F1} ms)");
    }

    /// <summary>
    /// The cores the silos have between them. Targets are loopback addresses, so every silo runs on this one
    /// machine and they share its cores: the most any silo sees, not their sum.
    /// </summary>
    private static int Cores(IReadOnlyList<SiloFigures> silos) => silos.Count == 0 ? 0 : silos.Max(s => s.CpuCount);

    /// <summary>The nearest-rank percentile of sorted values; 0 for none.</summary>
    private static double Percentile(double[] sorted, double percentile) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static async Task WaitAsync(TimeSpan span, Action<double> onProgress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < span)
        {
            onProgress(clock.Elapsed / span);
            var left = span - clock.Elapsed;
            await Task.Delay(left < TimeSpan.FromMilliseconds(250) ? left : TimeSpan.FromMilliseconds(250), cancellationToken);
        }

        onProgress(1);
    }

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
}
