using System.Diagnostics;
using System.Globalization;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Cli.Reports;
using OrleansCluster.Model.Simulation;
using static OrleansCluster.Cli.Commands.Ramp;

namespace OrleansCluster.Cli.Commands;

/// <summary>One size of the ramp measured: the job's figures, each silo's, the machine's, and what held it back.</summary>
public static class RampStage
{
    /// <summary>
    /// Measures one size over the window. <paramref name="onWarning"/> hears, from the opening scrape, of a silo whose
    /// page carries dcgm series (<c>Telemetry:Dcgm</c>): large pages, slow scrapes. <paramref name="history"/> is the
    /// steps to read of the job's history (<see cref="Ramp.StepHistoryAsync"/>; null, the silo's default).
    /// </summary>
    internal static async Task<Stage> MeasureAsync(HttpClient admin, IReadOnlyList<HttpClient> silos, string name, int nodes, double loadSeconds, Options options, int? history, Action<double> onProgress, Action<string>? onWarning, CancellationToken cancellationToken)
    {
        var pagesBefore = await Task.WhenAll(silos.Select(s => MetricsPage.ScrapeAsync(s, cancellationToken)));
        if (onWarning is not null && DcgmWarning(silos, pagesBefore) is { } warning)
        {
            onWarning(warning);
        }

        var machineBefore = MachineLoad.Read();
        var before = await SiloApi.ClusterAsync(admin, cancellationToken);
        var clock = Stopwatch.StartNew();
        await WaitAsync(options.Window, onProgress, cancellationToken);

        // The window's steps are read from the job's recent history (its last Simulation:HistoryCapacity, 4,096 by
        // default) as soon as the window ends, before the job's closing figures and before the closing scrape: a large
        // page (a dcgm one, 234 MB, took 18 s) outlasted the history at max pace, and the window's steps had rolled out
        // of it by the time they were read. Read after the closing figures, even a small history read quickly could miss
        // the window: 64 steps last 5.6 ms at a small scenario's 11,500 steps/s, and on a loaded machine every step the
        // history held came after the closing figures' step, so a stage read no step wall at all (a CLI test, 1 run in 3).
        var steps = history is { } count
            ? await SiloApi.StepsAsync(admin, count, cancellationToken)
            : await SiloApi.GetAsync<StepRecord[]>(admin, "/api/job/steps", cancellationToken);
        var after = await SiloApi.ClusterAsync(admin, cancellationToken);
        var seconds = clock.Elapsed.TotalSeconds;

        var (first, last) = (before.Job.Step, after.Job.Step);
        var walls = steps
            .Where(s => s.Ok && s.Number > first && s.Number <= last)
            .Select(s => s.WallSeconds * 1000)
            .Order()
            .ToArray();

        var machineAfter = MachineLoad.Read();
        var pagesAfter = await Task.WhenAll(silos.Select(s => MetricsPage.ScrapeAsync(s, cancellationToken)));
        var siloSeconds = clock.Elapsed.TotalSeconds;

        var figures = silos.Select((silo, i) => Figures(silo.BaseAddress?.ToString() ?? $"silo {i}", pagesBefore[i], pagesAfter[i], siloSeconds)).ToArray();
        var stepsPerSecond = (CampaignReplay.StepsFinished(after) - CampaignReplay.StepsFinished(before)) / seconds;
        var callsPerSecond = (after.Job.GrainCalls - before.Job.GrainCalls) / seconds;
        var machine = new MachineFigures(machineAfter.Cores, Math.Round(machineAfter.CoresBusySince(machineBefore), 2), machineAfter.LoadAverage);
        return new Stage(
            name,
            nodes,
            loadSeconds, // not rounded: a small scenario loads in a few milliseconds, which two decimals would read as none
            Math.Round(stepsPerSecond, 2),
            WallQuantile(walls, 0.50),
            WallQuantile(walls, 0.99),
            walls.Length,
            Math.Round(callsPerSecond),
            figures.Max(f => f.ScrapeMilliseconds),
            figures.Sum(f => f.ScrapeBytes),
            figures.Sum(f => f.WorkingSetMiB),
            Math.Round(figures.Sum(f => f.CpuCoresBusy), 2),
            Cores(figures),
            machine,
            figures,
            stepsPerSecond >= options.FloorStepsPerSecond,
            Limit(figures, machine, stepsPerSecond, walls));
    }

    /// <summary>
    /// The cores the silos have between them: each silo's own count (its process's, which honours an affinity
    /// mask: <c>dotnet_process_cpu_count</c>), summed. Silos pinned to cores of their own add up; silos that share
    /// the machine's cores count them more than once, which the machine's own figures beside them show.
    /// </summary>
    public static int Cores(IReadOnlyList<SiloFigures> silos) => silos.Sum(s => s.CpuCount);

    /// <summary>
    /// What the figures say held the stage back: the garbage collector, the silos' CPU, the machine's CPU (other
    /// processes, or silos sharing cores), or neither (the step path waits).
    /// </summary>
    public static string Limit(IReadOnlyList<SiloFigures> silos, MachineFigures machine, double stepsPerSecond, double[] walls)
    {
        ArgumentNullException.ThrowIfNull(silos);
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(walls);
        if (stepsPerSecond <= 0)
        {
            return "no step finished in the window";
        }

        var busy = silos.Sum(s => s.CpuCoresBusy);
        var cores = Cores(silos);
        var gc = silos.Count == 0 ? 0 : silos.Max(s => s.GcPauseRatio);
        var cpu = $"silos {ReportWriter.N(busy, 2)} of {cores} cores busy; machine {ReportWriter.N(machine.CoresBusy, 2)} of {machine.Cores}, load average {ReportWriter.N(machine.LoadAverage, 2)}";
        if (gc >= 0.1)
        {
            return $"garbage collection: paused {ReportWriter.P(gc)} of the time ({cpu})";
        }

        if (cores > 0 && busy >= 0.8 * cores)
        {
            return $"CPU: {cpu}";
        }

        if (machine.IsBusy())
        {
            return $"CPU: the machine is busy ({cpu})";
        }

        return WallQuantile(walls, 0.50) is { } p50
            ? $"not CPU-bound ({cpu}): the step path waits (step wall p50 {ReportWriter.N(p50, 2)} ms)"
            : $"not CPU-bound ({cpu})";
    }

    private static SiloFigures Figures(string silo, MetricsPage before, MetricsPage after, double seconds)
    {
        static double Cpu(MetricsPage p) => p.Sum("dotnet_process_cpu_time_seconds_total");
        static double Pause(MetricsPage p) => p.Sum("dotnet_gc_pause_time_seconds_total");
        var workingSet = after.Sum("dotnet_process_memory_working_set_bytes") / 1048576;
        var cpuCount = after.Sum("dotnet_process_cpu_count");
        return new SiloFigures(
            silo,
            Math.Round(after.ScrapeMilliseconds, 2),
            after.Bytes,
            after.Samples,
            double.IsNaN(workingSet) ? 0 : Math.Round(workingSet),
            Math.Round(Math.Max(0, (Cpu(after) - Cpu(before)) / seconds), 2),
            double.IsNaN(cpuCount) ? 0 : (int)cpuCount,
            Math.Round(Math.Max(0, (Pause(after) - Pause(before)) / seconds), 3));
    }

    /// <summary>The warning for the first silo whose page carries dcgm series, with that page's size; none without.</summary>
    internal static string? DcgmWarning(IReadOnlyList<HttpClient> silos, IReadOnlyList<MetricsPage> pages)
    {
        for (var i = 0; i < pages.Count; i++)
        {
            if (pages[i].HasSeries("DCGM_FI_"))
            {
                var silo = silos[i].BaseAddress?.ToString() ?? $"silo {i}";
                return string.Create(CultureInfo.InvariantCulture, $"{silo} runs with dcgm telemetry (Telemetry:Dcgm): its /metrics page is large ({ReportWriter.N(pages[i].Bytes / 1048576.0, 1)} MiB, {ReportWriter.N(pages[i].Samples)} samples at the first size, growing with the nodes) and took {ReportWriter.N(pages[i].ScrapeMilliseconds)} ms to scrape; the ramp scrapes every silo at the start and end of each size, so each size takes that much longer and the scrape figures are the dcgm page's");
            }
        }

        return null;
    }

    /// <summary>The nearest-rank quantile of sorted step walls; none (not 0) for none.</summary>
    private static double? WallQuantile(double[] sorted, double q) => sorted.Length == 0 ? null : Math.Round(Quantiles.NearestRank(sorted, q), 2);
}
