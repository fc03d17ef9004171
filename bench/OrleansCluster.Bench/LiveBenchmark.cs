using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Bench;

/// <summary>
/// Runs a preset at max pace on an in-process silo for a fixed time and prints steps/s, grain calls/s, wall
/// time per step and peak memory, beside the same model evaluated in a plain loop without Orleans.
/// </summary>
internal static class LiveBenchmark
{
    public static async Task RunAsync(TextWriter output, ScenarioSource source, TimeSpan window, int blockSize, int batchSteps, bool includePlain)
    {
        var scenario = source.Preset is { } name ? ScenarioPresets.Load(name) : ScenarioLoader.Parse(source.Json!);
        output.WriteLine($"# {scenario.Name}: {scenario.NodeCount:N0} nodes, {scenario.GpuCount:N0} GPUs; block size {blockSize}, batch {batchSteps} steps; window {window.TotalSeconds:F0} s");
        output.WriteLine($"# {Environment.ProcessorCount} cores, .NET {Environment.Version}, server GC {System.Runtime.GCSettings.IsServerGC}");

        if (includePlain)
        {
            var plain = PlainLoop(scenario, window);
            output.WriteLine($"plain loop: {plain.StepsPerSecond:F1} steps/s, step p50 {Ms(plain.P50)}, p99 {Ms(plain.P99)}");
        }

        using var host = await BenchSilo.StartAsync(blockSize, batchSteps);
        var job = host.Services.GetRequiredService<IGrainFactory>().GetGrain<IJobGrain>(IJobGrain.Key);
        var load = Stopwatch.StartNew();
        await job.LoadAsync(source);
        await job.SetPaceAsync(PaceSettings.Max);
        await job.StartAsync();
        await WaitAsync(job, s => s.Job.StepsOk + s.Job.StepsFailed >= 2 * batchSteps);
        var warm = load.Elapsed;

        var before = await job.GetStatusAsync();
        var cpuBefore = CpuSeconds();
        var pauseBefore = GC.GetTotalPauseDuration();
        var gen2Before = GC.CollectionCount(2);
        var clock = Stopwatch.StartNew();
        await Task.Delay(window);
        var after = await job.GetStatusAsync();
        var elapsed = clock.Elapsed.TotalSeconds;
        var cpu = CpuSeconds() - cpuBefore;
        var paused = (GC.GetTotalPauseDuration() - pauseBefore).TotalSeconds;
        var gen2 = GC.CollectionCount(2) - gen2Before;
        await job.StopAsync();

        var steps = (after.Job.StepsOk + after.Job.StepsFailed) - (before.Job.StepsOk + before.Job.StepsFailed);
        var history = (await job.GetRecentStepsAsync(int.MaxValue)).Where(r => r.WallStartSeconds > 0 && r.Number > before.Job.Step).Select(r => r.WallSeconds).ToArray();
        using var process = Process.GetCurrentProcess();
        var stepsPerSecond = steps / elapsed;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"live: {stepsPerSecond:F1} steps/s, {(after.Job.GrainCalls - before.Job.GrainCalls) / elapsed:N0} grain calls/s, step wall p50 {Ms(Percentiles.Of(history, 50))}, p99 {Ms(Percentiles.Of(history, 99))}; load + warm-up {warm.TotalSeconds:F1} s; peak working set {process.PeakWorkingSet64 / 1048576.0:N0} MiB, GC heap {GC.GetGCMemoryInfo().HeapSizeBytes / 1048576.0:N0} MiB"));
        // CPU time per step is what the load of a shared machine changes least: the rate two free cores would
        // give, at best, is their 2 s per second over it.
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"live CPU: {cpu / steps * 1e3:F2} ms per step over {Environment.ProcessorCount} cores ({cpu / elapsed:F2} cores busy on average, the process's share of the machine)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"live GC: paused {paused / elapsed:P1} of the time, {gen2} gen-2 collections, {GC.CollectionCount(0)} gen-0 in all; committed {GC.GetGCMemoryInfo().TotalCommittedBytes / 1048576.0:N0} MiB"));
        output.WriteLine($"live figures: step {after.Job.Step}, T_step {after.LastStep?.DurationSeconds:F3} s, tax {after.LastStep?.StragglerTax:F4}, MFU {after.LastStep?.ClusterMfu:F4}, failed {after.Job.StepsFailed}");
        await host.StopAsync();
    }

    private static double CpuSeconds()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime.TotalSeconds;
    }

    public static async Task RealtimeAsync(TextWriter output, string preset, double speed, int steps, int blockSize, int batchSteps)
    {
        using var host = await BenchSilo.StartAsync(blockSize, batchSteps);
        var job = host.Services.GetRequiredService<IGrainFactory>().GetGrain<IJobGrain>(IJobGrain.Key);
        await job.LoadAsync(ScenarioSource.FromPreset(preset));
        await job.SetPaceAsync(PaceSettings.Realtime(speed));
        await job.StartAsync();
        await WaitAsync(job, s => s.Job.StepsOk + s.Job.StepsFailed >= steps + 1, TimeSpan.FromMinutes(30));
        await job.StopAsync();

        var history = (await job.GetRecentStepsAsync(int.MaxValue)).ToArray();
        var errors = new List<double>();
        for (var k = 0; k + 1 < history.Length && k < steps; k++)
        {
            var expected = history[k].DurationSeconds / speed;
            var gap = history[k + 1].WallStartSeconds - history[k].WallStartSeconds;
            errors.Add(Math.Abs(gap - expected) / expected);
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"realtime {preset} x{speed}: {errors.Count} gaps, T_step/speed mean {history.Take(steps).Average(r => r.DurationSeconds) / speed:F3} s, gap error mean {errors.Average():P2}, max {errors.Max():P2}; step wall p50 {Ms(Percentiles.Of(history.Select(r => r.WallSeconds).ToArray(), 50))}"));
        await host.StopAsync();
    }

    private static (double StepsPerSecond, double P50, double P99) PlainLoop(Scenario scenario, TimeSpan window)
    {
        var simulator = new PlainLoopSimulator(scenario);
        simulator.Step(1); // warm-up
        var times = new List<double>();
        var clock = Stopwatch.StartNew();
        for (var k = 2L; clock.Elapsed < window; k++)
        {
            var start = Stopwatch.GetTimestamp();
            simulator.Step(k);
            times.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
        }

        return (times.Count / clock.Elapsed.TotalSeconds, Percentiles.Of(times, 50), Percentiles.Of(times, 99));
    }

    private static async Task WaitAsync(IJobGrain job, Func<ClusterStatus, bool> condition, TimeSpan? limit = null)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition(await job.GetStatusAsync()))
        {
            if (deadline.Elapsed > (limit ?? TimeSpan.FromMinutes(5)))
            {
                throw new TimeoutException("the job did not get going");
            }

            await Task.Delay(50);
        }
    }

    private static string Ms(double seconds) => (seconds * 1e3).ToString("F2", CultureInfo.InvariantCulture) + " ms";
}
