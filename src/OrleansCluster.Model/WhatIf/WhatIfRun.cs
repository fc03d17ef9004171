using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Model.WhatIf;

/// <summary>
/// One variant of a what-if stepped as the live job steps it, and its figures (<see cref="VariantResult"/>). The
/// stepping is the plain loop's (<see cref="PlainLoopSimulator"/>); what a failed step does to the run (back to the
/// checkpoint, the steps since lost, the replay, a loop that never gets past a step) is <see cref="Replay"/>'s, which
/// keeps the job's own counters (<c>JobRun</c>).
/// </summary>
public static class WhatIfRun
{
    /// <summary>
    /// Steps <paramref name="scenario"/> as the live job steps it and gathers its figures; <paramref name="steps"/> is the
    /// budget of steps evaluated, replays included. A step fails as the live job fails it (a node past the barrier
    /// timeout, a partition, or an all-reduce the collective watchdog aborts) and costs what the job's failed-step
    /// accounting says: the barrier timeout, with no useful work; then, as the job does (<c>JobRun.Fail</c>), the run
    /// goes back to its last checkpoint, the steps completed since it are lost (their work with them), and it goes on
    /// from the step after the checkpoint, whose noise is drawn again from the same seed, node and step, so the replay
    /// repeats the same draws. A failed step counts in the mean and p99 step times; only the steps kept count in the
    /// work and the MFU, and every completed step in the breakdown. A node that missed the barrier is evicted as the
    /// job's blocks evict it: out of the steps after, its GPUs still paid for, until the first step after a checkpoint
    /// (the step a failure goes back to) finds it back within the timeout. When a step fails again that already failed
    /// since the furthest step reached (the job's own sign of a loop), the variant is <see cref="VariantResult.Stalled"/>:
    /// the faults carried hold steady, so every replay meets the same failure, and the run never gets past it; its
    /// throughput, MFU and money are then none, whatever it did before.
    /// </summary>
    public static VariantResult Evaluate(Scenario baseline, Scenario scenario, WhatIfVariant variant, int steps, WhatIfFaults? faults = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(variant);
        var simulator = new PlainLoopSimulator(scenario);
        var workload = simulator.Workload;
        (faults ?? WhatIfFaults.None).ApplyTo(baseline, simulator);
        var timeout = scenario.Job.BarrierTimeoutSeconds;
        var nodes = scenario.NodeCount;
        var times = new double[steps];
        var parts = new double[StepBreakdown.Parts.Count];
        var completed = 0;
        var failed = 0;
        var replay = new Replay(scenario.Job.CheckpointEverySteps);
        for (var k = 0; k < steps; k++)
        {
            if ((k & 7) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var number = replay.Next;
            var result = simulator.Step(number, timeout, replay.RejoinCheck, out var missed);
            if (StepFailure.Reason(result, missed, timeout) is { } reason)
            {
                failed++;
                times[k] = timeout;
                replay.Fail(reason);
                continue;
            }

            completed++;
            times[k] = result.StepSeconds;
            var work = result.HealthyNodes == nodes || workload.TotalFlopsPerStep <= 0
                ? 1
                : result.UsefulFlopsPerSecond * result.StepSeconds / workload.TotalFlopsPerStep; // evicted nodes do none
            replay.Complete(work, result.ClusterMfu * result.StepSeconds);
            var values = result.Breakdown.Values();
            for (var p = 0; p < parts.Length; p++)
            {
                parts[p] += values[p];
            }
        }

        Array.Sort(times);
        var mean = times.Average();
        var p99 = Quantiles.NearestRank(times, 0.99);

        // A stalled run does no work in the long run, however much it did before its budget found the loop.
        var flopsPerSecond = mean > 0 ? workload.TotalFlopsPerStep * replay.Work / steps / mean : 0;
        var tokensPerSecond = mean > 0 ? workload.TokensPerStep * replay.Work / steps / mean : 0;

        // MFU over the time the steps took (a failed step's timeout does no work, a lost step's work is undone), as the
        // useful FLOP/s are; the breakdown is that of a step that completes (the parts sum to its time), none when no step did.
        var mfu = mean > 0 ? replay.MfuSeconds / (mean * steps) : 0;
        var breakdown = completed == 0 ? StepBreakdown.Zero : new StepBreakdown(parts[0] / completed, parts[1] / completed, parts[2] / completed, parts[3] / completed, parts[4] / completed);
        var byGeneration = GpusByGeneration(scenario);
        return new VariantResult(
            variant.Name,
            variant.Change,
            null,
            scenario.NodeCount,
            scenario.GpuCount,
            byGeneration,
            failed,
            mean,
            p99,
            tokensPerSecond,
            flopsPerSecond / 1e15,
            mfu,
            breakdown,
            WhatIfMoney.Of(baseline, scenario, byGeneration, mean, flopsPerSecond, tokensPerSecond))
        {
            LostSteps = replay.Lost,
            ReachedStep = replay.Step,
            Stalled = replay.Stall is not null,
            StallReason = replay.Stall,
        };
    }

    /// <summary>GPUs by generation name, ordered by name.</summary>
    public static IReadOnlyDictionary<string, long> GpusByGeneration(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var gpus = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var group in scenario.Sites.SelectMany(s => s.Nodes))
        {
            gpus[group.Generation.Name] = gpus.GetValueOrDefault(group.Generation.Name) + ((long)group.Count * group.GpusPerNode);
        }

        return gpus;
    }

    /// <summary>
    /// The job's counters (<c>JobRun</c>) over a variant's steps: the last step completed (a failure sets it back to the
    /// checkpoint), the last checkpoint, the furthest step completed and the steps failed since it; the work (in steps
    /// of all the variant's GPUs) and MFU-seconds kept at the last checkpoint and done since it, which a failure loses.
    /// </summary>
    private sealed class Replay(int checkpointEvery)
    {
        private readonly HashSet<long> _failedSince = [];
        private long _checkpoint;
        private long _furthest;
        private double _keptWork;
        private double _keptMfuSeconds;
        private double _sinceWork;
        private double _sinceMfuSeconds;

        /// <summary>The last step completed and not rolled back (the job's <c>step</c>).</summary>
        public long Step { get; private set; }

        /// <summary>The steps completed and then rolled back by a failure.</summary>
        public long Lost { get; private set; }

        /// <summary>Why the run never gets past a step, once a step failed again before the run got past it.</summary>
        public string? Stall { get; private set; }

        /// <summary>The step to run next.</summary>
        public long Next => Step + 1;

        /// <summary>
        /// The job's rule (<c>JobRun.NextCommand</c>): blocks look at evicted nodes again on the first step after a
        /// checkpoint, which is also the step a failure rolls the job back to.
        /// </summary>
        public bool RejoinCheck => Step % checkpointEvery == 0;

        /// <summary>The work kept, none for a stalled run.</summary>
        public double Work => Stall is null ? _keptWork + _sinceWork : 0;

        /// <summary>The MFU-seconds kept, none for a stalled run.</summary>
        public double MfuSeconds => Stall is null ? _keptMfuSeconds + _sinceMfuSeconds : 0;

        /// <summary>The next step failed: back to the checkpoint, the steps since lost.</summary>
        public void Fail(string reason)
        {
            var number = Next;
            Lost += number - 1 - _checkpoint;
            (_sinceWork, _sinceMfuSeconds, Step) = (0, 0, _checkpoint);
            if (!_failedSince.Add(number) && Stall is null)
            {
                Stall = $"step {number} fails on every replay ({reason}): the faults hold steady and its noise is drawn again from the same seed, so each replay from the checkpoint at step {_checkpoint} fails it again, and the run never gets past step {number - 1}";
            }
        }

        /// <summary>The next step completed, doing <paramref name="work"/> and <paramref name="mfuSeconds"/>.</summary>
        public void Complete(double work, double mfuSeconds)
        {
            var number = Next;
            (_sinceWork, _sinceMfuSeconds, Step) = (_sinceWork + work, _sinceMfuSeconds + mfuSeconds, number);
            if (number % checkpointEvery == 0)
            {
                (_checkpoint, _keptWork, _keptMfuSeconds, _sinceWork, _sinceMfuSeconds) = (number, _keptWork + _sinceWork, _keptMfuSeconds + _sinceMfuSeconds, 0, 0);
            }

            if (number > _furthest)
            {
                _furthest = number;
                _failedSince.Clear();
            }
        }
    }
}
