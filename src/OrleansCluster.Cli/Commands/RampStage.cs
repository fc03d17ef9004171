using System.Diagnostics;
using System.Globalization;
using OrleansCluster.Cli.Reports;
using OrleansCluster.Model.Simulation;
using static OrleansCluster.Cli.Commands.Ramp;

namespace OrleansCluster.Cli.Commands;

/// <summary>One size of the ramp measured: the job's figures, each silo's, the machine's, and what held it back.</summary>
public static class RampStage
{
    internal static async Task<Stage> MeasureAsync(HttpClient admin, IReadOnlyList<HttpClient> silos, string name, int nodes, double loadSeconds, Options options, Action<double> onProgress, CancellationToken cancellationToken)
    {
        var pagesBefore = await Task.WhenAll(silos.Select(s => MetricsPage.ScrapeAsync(s, cancellationToken)));
        var machineBefore = MachineLoad.Read();
        var before = await SiloApi.ClusterAsync(admin, cancellationToken);
        var clock = Stopwatch.StartNew();
        await WaitAsync(options.Window, onProgress, cancellationToken);
        var after = await SiloApi.ClusterAsync(admin, cancellationToken);
        var seconds = clock.Elapsed.TotalSeconds;
        var machineAfter = MachineLoad.Read();
        var pagesAfter = await Task.WhenAll(silos.Select(s => MetricsPage.ScrapeAsync(s, cancellationToken)));
        var siloSeconds = clock.Elapsed.TotalSeconds;

        var (first, last) = (before.Job.Step, after.Job.Step);
        var walls = (await SiloApi.StepsAsync(admin, 4096, cancellationToken))
            .Where(s => s.Ok && s.Number > first && s.Number <= last)
            .Select(s => s.WallSeconds * 1000)
            .Order()
            .ToArray();

        var figures = silos.Select((silo, i) => Figures(silo.BaseAddress?.ToString() ?? $"silo {i}", pagesBefore[i], pagesAfter[i], siloSeconds)).ToArray();
        var stepsPerSecond = (CampaignReplay.StepsFinished(after) - CampaignReplay.StepsFinished(before)) / seconds;
        var callsPerSecond = (after.Job.GrainCalls - before.Job.GrainCalls) / seconds;
        var machine = new MachineFigures(machineAfter.Cores, Math.Round(machineAfter.CoresBusySince(machineBefore), 2), machineAfter.LoadAverage);
        return new Stage(
            name,
            nodes,
            loadSeconds, // not rounded: a small scenario loads in a few milliseconds, which two decimals would read as none
            Math.Round(stepsPerSecond, 2),
            Math.Round(WallQuantile(walls, 0.50), 2),
            Math.Round(WallQuantile(walls, 0.99), 2),
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

        return walls.Length == 0
            ? $"not CPU-bound ({cpu})"
            : $"not CPU-bound ({cpu}): the step path waits (step wall p50 {ReportWriter.N(WallQuantile(walls, 0.50), 2)} ms)";
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

    /// <summary>The nearest-rank quantile of sorted step walls; 0 for none.</summary>
    private static double WallQuantile(double[] sorted, double q) => sorted.Length == 0 ? 0 : Quantiles.NearestRank(sorted, q);
}
