using System.Globalization;
using OrleansCluster.Model.Failures;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Bench;

/// <summary>
/// A preset under a failure table at published rates (DESIGN.md 7.6): failures per simulated day, MTBF, the
/// Young-Daly interval beside the configured one, and ETTR over a simulated day by the model (seeded arrivals
/// walked step by step through <see cref="TrainingTime"/>) beside the first-order closed form.
/// </summary>
internal static class FailureFigures
{
    public static void Print(TextWriter output, string presetName, string table, double scale, double checkpointSeconds, double restartSeconds, double days, int steps)
    {
        var loaded = ScenarioPresets.Load(presetName);
        FailurePresets.TryGet(table, out var causes);
        var scenario = loaded with
        {
            Job = loaded.Job with { CheckpointSeconds = checkpointSeconds, RestartSeconds = restartSeconds },
            Failures = new FailureSpec(table, scale, causes),
        };
        var spec = scenario.Failures!;
        var plain = new PlainLoopSimulator(scenario);
        var stepSeconds = Enumerable.Range(1, steps).Average(k => plain.Step(k).StepSeconds);
        var job = scenario.Job;
        var interval = job.CheckpointEverySteps * stepSeconds;
        var mtbf = spec.MtbfSeconds(scenario);
        var perDay = spec.TotalRatePerSecond(scenario) * 86_400;

        // Walk the day: a step during which an interruption starts fails after the barrier timeout and restarts.
        var arrivals = new FailureArrivals(plain.Layout, spec);
        var time = TrainingTime.Zero;
        long step = 0, failed = 0, drawn = 0;
        var through = 0.0; // arrivals during a restart or a checkpoint hit the next step, as the live job hands them over
        while (time.ElapsedSeconds < days * 86_400)
        {
            var during = arrivals.Between(through, time.ElapsedSeconds + stepSeconds);
            through = time.ElapsedSeconds + stepSeconds;
            drawn += during.Count;
            if (during.Any(f => causes.First(c => c.Name == f.Cause).Interrupts))
            {
                failed++;
                time = time.AfterFailure(job.BarrierTimeoutSeconds, job.RestartSeconds);
                step -= step % job.CheckpointEverySteps;
            }
            else
            {
                step++;
                time = time.AfterStep(stepSeconds, step % job.CheckpointEverySteps == 0, job.CheckpointSeconds);
            }
        }

        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"## {scenario.Name} under {table} x {scale} ({scenario.GpuCount:N0} GPUs)"));
        output.WriteLine();
        output.WriteLine(string.Create(c, $"- failures per simulated day: {perDay:F1} expected, {drawn / days:F1} drawn over {days} day(s) (seed {scenario.Seed}); interrupted steps {failed / days:F1} a day"));
        output.WriteLine(string.Create(c, $"- MTBF {mtbf:F0} s ({mtbf / 60:F1} min); mean T_step {stepSeconds:F3} s over {steps} steps"));
        output.WriteLine(string.Create(c, $"- checkpoint every {job.CheckpointEverySteps} steps = {interval:F0} s configured; Young-Daly sqrt(2 x {checkpointSeconds} s x MTBF) = {TrainingTime.YoungDalySeconds(checkpointSeconds, mtbf):F0} s"));
        output.WriteLine(string.Create(c, $"- ETTR over the walk {time.Ettr:F3}; first-order {TrainingTime.ExpectedEttr(interval, checkpointSeconds, mtbf, job.BarrierTimeoutSeconds, restartSeconds):F3} (checkpoint {checkpointSeconds} s, restart {restartSeconds} s, detection {job.BarrierTimeoutSeconds} s)"));
        var optimal = TrainingTime.YoungDalySeconds(checkpointSeconds, mtbf);
        output.WriteLine(string.Create(c, $"- at the Young-Daly interval ({Math.Max(1, Math.Round(optimal / stepSeconds)):F0} steps): first-order ETTR {TrainingTime.ExpectedEttr(optimal, checkpointSeconds, mtbf, job.BarrierTimeoutSeconds, restartSeconds):F3}"));
        output.WriteLine();
    }
}
