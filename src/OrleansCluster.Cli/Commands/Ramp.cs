using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansCluster.Abstractions.Api;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Cli.Reports;
using OrleansCluster.Model.Scenarios;

namespace OrleansCluster.Cli.Commands;

/// <summary>
/// <c>ramp</c>: loads scenarios of growing size (sites of H100 nodes, and optionally the <c>colossus</c> preset in its place)
/// at <c>max</c> pace, measures each for a fixed window (steps/s, step wall time, grain calls/s, and per silo the
/// scrape, memory and CPU), and stops at the first size whose step rate falls below the floor or that fails to
/// load, saying why. At the end it puts back what it found: the scenario (which starts again from step 1, without
/// the faults it had), the pace, and the job's state.
/// </summary>
public static class Ramp
{
    public sealed record Options(IReadOnlyList<int> Sizes, bool Colossus, double FloorStepsPerSecond, TimeSpan Window, TimeSpan Warmup)
    {
        /// <summary>
        /// An <see cref="ArgumentException"/> naming the options out of range (exit 2): the command checks before it calls
        /// anything, <see cref="RunAsync"/> again, before anything loads, for a caller that built the options itself.
        /// </summary>
        public void ThrowIfOutOfRange()
        {
            foreach (var size in Sizes.Where(n => n < 1))
            {
                throw new ArgumentException($"--sizes: {size} is not a node count (each size must be at least 1)");
            }

            if (Sizes.Count == 0 && !Colossus)
            {
                throw new ArgumentException("--sizes: nothing to ramp through (give sizes, or --colossus)");
            }

            if (!(FloorStepsPerSecond >= 0) || Window <= TimeSpan.Zero || Warmup < TimeSpan.Zero)
            {
                throw new ArgumentException("--floor must be >= 0, --window > 0 and --warmup >= 0");
            }
        }
    }

    /// <summary>One silo over one stage: its <c>/metrics</c> page at the end of the window, and its process over the window.</summary>
    public sealed record SiloFigures(string Silo, double ScrapeMilliseconds, long ScrapeBytes, long Samples, double WorkingSetMiB, double CpuCoresBusy, int CpuCount, double GcPauseRatio);

    /// <summary>The machine over one stage: its cores, how many were busy (every process), and its 1-minute load average.</summary>
    public sealed record MachineFigures(int Cores, double CoresBusy, double LoadAverage)
    {
        /// <summary>Most of the machine's cores were busy, or more threads wanted a core than it has.</summary>
        public bool IsBusy() => Cores > 0 && (CoresBusy >= 0.8 * Cores || LoadAverage >= Cores);
    }

    /// <summary>
    /// One size. Silo figures are summed over the silos (bytes, memory, CPU busy, cores) or their worst (scrape
    /// time); <see cref="CpuCount"/> is the sum of each silo's own cores, <see cref="Machine"/> the machine's load.
    /// <see cref="Limit"/> says what held the step rate back, as far as the figures tell. The step wall quantiles are
    /// null (JSON <c>null</c>, "-" in the table) when no step of the window was found in the job's history
    /// (<see cref="StepWallSamples"/> 0): a wall of 0 ms would read as a measure.
    /// </summary>
    public sealed record Stage(
        string Scenario,
        int Nodes,
        double LoadSeconds,
        double StepsPerSecond,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? StepWallP50Milliseconds,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? StepWallP99Milliseconds,
        int StepWallSamples,
        double GrainCallsPerSecond,
        double ScrapeMilliseconds,
        long ScrapeBytes,
        double WorkingSetMiB,
        double CpuCoresBusy,
        int CpuCount,
        MachineFigures Machine,
        IReadOnlyList<SiloFigures> Silos,
        bool HeldFloor,
        string Limit);

    /// <summary>
    /// The sizes measured. <paramref name="Warning"/>, once per run: a silo serves dcgm series, whose large pages slow
    /// every scrape the ramp makes (the command prints it on standard error).
    /// </summary>
    public sealed record Report(double FloorStepsPerSecond, int Silos, IReadOnlyList<Stage> Stages, string? LargestHeld, string? StoppedAt, string? Restored = null, string? Warning = null) : ICommandReport
    {
        /// <summary>Every planned size held the floor.</summary>
        public bool Held() => StoppedAt is null && Stages.Count > 0;

        public string Summary() =>
            $"largest size at or above {ReportWriter.N(FloorStepsPerSecond, 2)} steps/s on {Silos} silo(s): {LargestHeld ?? "none"}{(StoppedAt is null ? string.Empty : $"; stopped at {StoppedAt}")}{(Restored is null ? string.Empty : $"; {Restored}")}";

        // One format per kind of figure, in every table and sentence: counts N0, measures N2, shares P1.

        public IReadOnlyList<ReportTable> Tables()
        {
            var stages = new ReportTable(
                "Sizes at max pace",
                ["scenario", "nodes", "load s", "steps/s", "wall p50 ms", "wall p99 ms", "grain calls/s", "scrape ms", "scrape KiB", "MiB", "silos' CPU busy", "machine's CPU busy", "load average", "floor", "what limits"],
                Stages.Select(s => (IReadOnlyList<string>)[s.Scenario, ReportWriter.N(s.Nodes), ReportWriter.N(s.LoadSeconds, 2), ReportWriter.N(s.StepsPerSecond, 2), Wall(s.StepWallP50Milliseconds), Wall(s.StepWallP99Milliseconds), ReportWriter.N(s.GrainCallsPerSecond), ReportWriter.N(s.ScrapeMilliseconds, 2), ReportWriter.N(s.ScrapeBytes / 1024.0), ReportWriter.N(s.WorkingSetMiB), $"{ReportWriter.N(s.CpuCoresBusy, 2)} / {s.CpuCount}", $"{ReportWriter.N(s.Machine.CoresBusy, 2)} / {s.Machine.Cores}", ReportWriter.N(s.Machine.LoadAverage, 2), s.HeldFloor ? "held" : "missed", s.Limit]).ToArray());
            if (Silos < 2)
            {
                return [stages];
            }

            var silos = new ReportTable(
                "Per silo",
                ["scenario", "silo", "scrape ms", "scrape KiB", "samples", "MiB", "CPU busy", "GC pause"],
                Stages.SelectMany(s => s.Silos.Select(f => (IReadOnlyList<string>)[s.Scenario, f.Silo, ReportWriter.N(f.ScrapeMilliseconds, 2), ReportWriter.N(f.ScrapeBytes / 1024.0), ReportWriter.N(f.Samples), ReportWriter.N(f.WorkingSetMiB), $"{ReportWriter.N(f.CpuCoresBusy, 2)} / {f.CpuCount}", ReportWriter.P(f.GcPauseRatio)])).ToArray());
            return [stages, silos];
        }

        private static string Wall(double? milliseconds) => milliseconds is { } ms ? ReportWriter.N(ms, 2) : "-";
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

        options.ThrowIfOutOfRange();

        var found = await FoundAsync(admin, cancellationToken);
        var history = await StepHistoryAsync(admin, cancellationToken);
        var stages = new List<Stage>();
        string? largest = null, stopped = null, warning = null;
        var plan = options.Sizes.Select(n => (Name: $"ramp-{n}", Nodes: n, Body: ScenarioPresets.UniformJson(n)))
            .Concat(options.Colossus ? [("colossus", 88_000, """{"preset":"colossus"}""")] : [])
            .OrderBy(p => p.Nodes);
        foreach (var (name, nodes, body) in plan)
        {
            progress?.Report(new RunProgress(name, "loading", 0));
            var load = Stopwatch.StartNew();
            try
            {
                await SiloApi.SendAsync(admin, HttpMethod.Put, "/api/scenario", body, cancellationToken);
                await SiloApi.SendAsync(admin, HttpMethod.Put, "/api/job/pace", """{"mode":"max"}""", cancellationToken);
            }
            catch (Exception e) when (e is InvalidOperationException or HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                stopped = $"{name}: the scenario did not load: {CommandErrors.Describe(e)}";
                progress?.Report(new RunProgress(name, "did not load", 1));
                break;
            }

            var loadSeconds = load.Elapsed.TotalSeconds;
            await WaitAsync(options.Warmup, f => progress?.Report(new RunProgress(name, "warming up", 0.25 * f)), cancellationToken);
            var stage = await RampStage.MeasureAsync(admin, silos, name, nodes, loadSeconds, options, history, f => progress?.Report(new RunProgress(name, "measuring", 0.25 + (0.75 * f))), w => warning ??= w, cancellationToken);
            stages.Add(stage);
            progress?.Report(new RunProgress(name, $"{stage.StepsPerSecond:N1} steps/s{(stage.HeldFloor ? string.Empty : " (below the floor)")}", 1));
            if (!stage.HeldFloor)
            {
                stopped = $"{name}: {ReportWriter.N(stage.StepsPerSecond, 2)} steps/s is below the floor of {ReportWriter.N(options.FloorStepsPerSecond, 2)} steps/s; {stage.Limit}";
                break;
            }

            largest = name;
        }

        var restored = await RestoreAsync(admin, found, cancellationToken);
        return new Report(options.FloorStepsPerSecond, silos.Count, stages, largest, stopped, restored, warning);
    }

    /// <summary>The most steps the ramp reads of the job's history at a time: those of a default history.</summary>
    public const int MaxStepsRead = 4096;

    /// <summary>
    /// The steps to ask <c>GET /api/job/steps</c> for: as many as the silo keeps (<c>Simulation:HistoryCapacity</c>,
    /// the <c>count</c> parameter's maximum in its OpenAPI document), <see cref="MaxStepsRead"/> at most; null, ask
    /// for its default, where the document does not say (a fixed 4,096 was refused 400 by a silo keeping fewer).
    /// </summary>
    internal static async Task<int?> StepHistoryAsync(HttpClient admin, CancellationToken cancellationToken)
    {
        using var response = await admin.GetAsync("/openapi/v1.json", cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }

        using var document = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken));
        if (!document.RootElement.TryGetProperty("paths", out var paths) || !paths.TryGetProperty("/api/job/steps", out var route)
            || !route.TryGetProperty("get", out var get) || !get.TryGetProperty("parameters", out var parameters) || parameters.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var parameter in parameters.EnumerateArray())
        {
            if (parameter.TryGetProperty("name", out var name) && name.ValueEquals("count")
                && parameter.TryGetProperty("schema", out var schema) && schema.TryGetProperty("maximum", out var maximum)
                && maximum.TryGetInt32(out var kept) && kept >= 1)
            {
                return Math.Min(kept, MaxStepsRead);
            }
        }

        return null;
    }

    /// <summary>What the ramp found: the scenario as <c>PUT /api/scenario</c> takes it (none when idle), the pace and the job's state.</summary>
    private sealed record Found(string? Scenario, string Name, PaceSettings Pace, JobState State);

    private static async Task<Found> FoundAsync(HttpClient admin, CancellationToken cancellationToken)
    {
        var cluster = await SiloApi.ClusterAsync(admin, cancellationToken);
        var scenario = cluster.Job.State == JobState.Idle ? null : await SiloApi.SendAsync(admin, HttpMethod.Get, "/api/scenario", null, cancellationToken);
        return new Found(scenario, cluster.Scenario, cluster.Job.Pace, cluster.Job.State);
    }

    /// <summary>Puts back the pace, the scenario and the job's state the ramp found; says what it did, or why it could not.</summary>
    private static async Task<string> RestoreAsync(HttpClient admin, Found found, CancellationToken cancellationToken)
    {
        var pace = JsonSerializer.Serialize(new PaceBody(found.Pace.Mode.ToString().ToLowerInvariant(), found.Pace.Speed), SiloApi.Json);
        try
        {
            if (found.Scenario is null)
            {
                await SiloApi.SendAsync(admin, HttpMethod.Post, "/api/job/pause", null, cancellationToken);
                await SiloApi.SendAsync(admin, HttpMethod.Put, "/api/job/pace", pace, cancellationToken);
                return "no scenario was loaded before: left the last one paused";
            }

            // The pace first, so that the scenario put back does not start at max pace.
            await SiloApi.SendAsync(admin, HttpMethod.Put, "/api/job/pace", pace, cancellationToken);
            await SiloApi.SendAsync(admin, HttpMethod.Put, "/api/scenario", found.Scenario, cancellationToken);
            var state = found.State switch
            {
                JobState.Paused => "/api/job/pause",
                JobState.Stopped => "/api/job/stop",
                _ => null,
            };
            if (state is not null)
            {
                await SiloApi.SendAsync(admin, HttpMethod.Post, state, null, cancellationToken);
            }

            return $"restored {found.Name} at {found.Pace.Mode.ToString().ToLowerInvariant()} x{ReportWriter.N(found.Pace.Speed, 2)}, {found.State.ToString().ToLowerInvariant()} (from step 1)";
        }
        catch (Exception e) when (e is InvalidOperationException or HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // A timeout too: the report of the sizes measured is worth more than the restore that failed.
            return $"could not restore {found.Name}: {CommandErrors.Describe(e)}";
        }
    }

    internal static Task WaitAsync(TimeSpan span, Action<double> onProgress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        return WaitAsync(span, onProgress, () => clock.Elapsed, cancellationToken);
    }

    /// <summary><see cref="WaitAsync(TimeSpan, Action{double}, CancellationToken)"/> on <paramref name="elapsed"/>'s clock (for tests).</summary>
    internal static async Task WaitAsync(TimeSpan span, Action<double> onProgress, Func<TimeSpan> elapsed, CancellationToken cancellationToken)
    {
        // What is left is read once a turn, and the progress reported from that reading: read again, on a busy machine
        // it could be past the span already (a negative delay throws; a fraction above 1 was reported, then 1, seen in CI).
        for (var left = span; left > TimeSpan.Zero; left = span - elapsed())
        {
            onProgress(1 - (left / span));
            await Task.Delay(left < TimeSpan.FromMilliseconds(250) ? left : TimeSpan.FromMilliseconds(250), cancellationToken);
        }

        onProgress(1);
    }
}
