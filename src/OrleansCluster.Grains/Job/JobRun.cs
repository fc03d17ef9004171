using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Model.Failures;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Job;

/// <summary>
/// One run of the job, as arithmetic: the step counters and checkpoints (in the durable <see cref="JobRecord"/>
/// itself, which the grain writes as it is), a step completed or failed and rolled back to the checkpoint (once,
/// here), the recent steps' history, the last step's figures, how long since a step completed, and the background
/// failures due (the wall-clock pacing is <see cref="JobCadence"/>'s). No grain, no timer: the grain asks and this
/// answers, with the time from the <see cref="TimeProvider"/> it is given, so it is tested on its own.
/// </summary>
public sealed class JobRun(JobRecord record, int historyCapacity, TimeProvider time)
{
    private readonly Queue<StepRecord> _history = new();

    // The figures of the step just before the next one, handed to the blocks with the next step's command: its slowest
    // compute time (the blocks record their nodes' barrier waits against it: completed steps only) and how long it
    // lasted (the dcgm busy share, t_i / that). A failed step lasted the barrier timeout, its GPUs spinning in the
    // collective after their compute, so it hands that (found by review: it handed nothing, and failed steps left every
    // GPU's figures at the last completed step's, a partitioned job training at full power). None after a new layout
    // or a step whose calls failed (nothing to read: the blocks are configured anew).
    private (double MaxComputeSeconds, double StepSeconds) _previous;
    private long _origin = time.GetTimestamp();
    private long _progressAt = time.GetTimestamp();

    // The simulated time of checkpoints and restarts since the last progress: at realtime pace the job itself waits it
    // out before the next step (a 900 s checkpoint at x1 is 15 minutes of a healthy job's wall time), so the stall
    // bound grows by it. Not a replay's failure once the replays repeat: that wait is the loop's, which is the stall.
    private double _scheduledCostSeconds;

    // The furthest step this run has completed, and the steps that have failed since. The replay back to a failure
    // is recovery, and counts as progress; a step failing again that already failed since the furthest is the
    // signature of a loop (noise is drawn by step, so the same draws come back), and replays stop counting.
    private long _furthest = record.Step;
    private readonly HashSet<long> _failedSince = [];
    private bool _repeating;

    /// <summary>The durable record the counters live in.</summary>
    public JobRecord Record => record;

    /// <summary>The last completed step's figures, and its number.</summary>
    public (StepResult Result, long Number)? Last { get; private set; }

    /// <summary>
    /// The last step evaluated, completed or failed, its number and why it failed (null when it completed): what
    /// <c>/api/stragglers</c> and <c>gpusim_stragglers</c> report, so that a partition that fails every step shows its
    /// link as the straggler (found by probing: they kept the last completed step's report, the link healthy).
    /// </summary>
    public (StepResult Result, long Number, string? Failure)? Evaluated { get; private set; }

    /// <summary>Why the last failed step failed, if one did.</summary>
    public string? LastFailure { get; private set; }

    /// <summary>
    /// Whether the last completed step went past every step this run had completed before (false for a step replayed
    /// after a rollback: a job that fails the same step after each replay completes steps and gets nowhere).
    /// </summary>
    public bool Advanced { get; private set; }

    /// <summary>The step to run next.</summary>
    public long NextStep => record.Step + 1;

    /// <summary>What the next step's command says: its number, whether evicted nodes may rejoin (the first step after a checkpoint), the last step's figures.</summary>
    public StepCommand NextCommand(int checkpointEverySteps)
    {
        var number = NextStep;
        return new StepCommand(record.Epoch, number, (number - 1) % checkpointEverySteps == 0, _previous.MaxComputeSeconds, _previous.StepSeconds);
    }

    /// <summary>A new run from step 1: counters at zero, history empty.</summary>
    public void Restart()
    {
        (record.Step, record.LastCheckpoint, record.StepsOk, record.StepsFailed, record.LostSteps, record.SimulatedSeconds) = (0, 0, 0, 0, 0, 0);
        (record.ProductiveSeconds, record.SinceCheckpointSeconds, record.FailuresThroughSeconds, record.NextRepairSeconds, record.Failures, record.FailuresDropped) = (0, 0, 0, null, 0, 0);
        record.Stragglers = null;
        _history.Clear();
        (Last, Evaluated) = (null, null);
        _previous = default;
        LastFailure = null;
        _origin = time.GetTimestamp();
        (_furthest, Advanced, _repeating, _scheduledCostSeconds) = (0, false, false, 0);
        _failedSince.Clear();
    }

    /// <summary>The tree was laid out again: the next step starts with no previous figures.</summary>
    public void ForgetLastStep()
    {
        (Last, Evaluated) = (null, null);
        _previous = default;
    }

    /// <summary>
    /// The job starts (or resumes) running: a stall is counted from now until the job progresses. The record's straggler
    /// report (<see cref="StandingStill"/>) stays until a step is evaluated here (then that step's is the report, and the
    /// kept one is dropped from the record). Found by review: it was dropped here, so a job resumed and paused again
    /// before any step (a layout refused or slow) answered <c>/api/stragglers</c> 503 though its last step was known.
    /// </summary>
    public void Running() => _progressAt = time.GetTimestamp();

    /// <summary>
    /// The job stands still (paused or stopped): the record keeps the last evaluated step's straggler report, at most the
    /// scenario's <paramref name="topK"/> of each of its lists (<see cref="KeptStragglerReport"/>), so that an activation
    /// that takes the job over answers it until the job steps again. Found by review (fix-failover): a paused job back on
    /// another silo answered <c>/api/stragglers</c> 503 until it was resumed. With no step evaluated here (an activation
    /// that took the job over), the kept one stays (cut to the bound, where a record written before it held more).
    /// </summary>
    public void StandingStill(int topK)
    {
        if (Evaluated is { } e)
        {
            record.Stragglers = KeptStragglerReport.Keep(JobFigures.Stragglers(e.Result, e.Number, topK, e.Failure), topK);
        }
        else if (record.Stragglers is { } kept)
        {
            record.Stragglers = KeptStragglerReport.Keep(kept, topK);
        }
    }

    /// <summary>
    /// The straggler report of the last step evaluated, its <paramref name="top"/> slowest nodes: this activation's, or
    /// the one the record kept while the job stood still; null when neither is known (no step evaluated since the tree
    /// was laid out).
    /// </summary>
    public StragglerReport? Stragglers(int top) =>
        Evaluated is { } e ? JobFigures.Stragglers(e.Result, e.Number, top, e.Failure)
        : record.Stragglers is { } kept ? KeptStragglerReport.Answer(kept, top)
        : null;

    /// <summary>Where the run's simulated time went, from the record.</summary>
    public TrainingTime Time => new(record.SimulatedSeconds, record.ProductiveSeconds, record.SinceCheckpointSeconds);

    /// <summary>
    /// Step <paramref name="number"/> completed with <paramref name="result"/>, having started at <paramref name="startedAt"/>
    /// (a timestamp); a checkpoint after it costs <paramref name="checkpointSeconds"/> of simulated time.
    /// </summary>
    public StepRecord Complete(long number, StepResult result, int checkpointEverySteps, long startedAt, double checkpointSeconds = 0)
    {
        ArgumentNullException.ThrowIfNull(result);
        record.Step = number;
        record.StepsOk++;
        var checkpoint = number % checkpointEverySteps == 0;
        Account(Time.AfterStep(result.StepSeconds, checkpoint, checkpointSeconds));
        if (checkpoint)
        {
            record.LastCheckpoint = number;
        }

        Last = (result, number);
        Evaluated = (result, number, null);
        record.Stragglers = null; // this step's is the report now
        _previous = (result.MaxComputeSeconds, result.StepSeconds);
        Advanced = number > _furthest;
        if (Advanced)
        {
            (_furthest, _repeating) = (number, false);
            _failedSince.Clear();
        }

        if (!_repeating)
        {
            _progressAt = time.GetTimestamp(); // a new step, or the replay after a first failure: at realtime it can take long
            _scheduledCostSeconds = checkpoint ? checkpointSeconds : 0; // the checkpoint's cost delays the next step
        }

        return Remember(new StepRecord(number, true, result.StepSeconds, result.HealthyNodes, null, WallSince(startedAt), Elapsed(startedAt), JobFigures.Breakdown(result.Breakdown)));
    }

    /// <summary>
    /// Step <paramref name="number"/> failed: it costs <paramref name="durationSeconds"/> of simulated time and the
    /// restart <paramref name="restartSeconds"/> more, every step since the last checkpoint is lost, and the run goes
    /// back to that checkpoint. Returns the record and the steps lost.
    /// </summary>
    public (StepRecord Step, long Lost) Fail(long number, string reason, double durationSeconds, int healthyNodes, long? startedAt = null, double restartSeconds = 0)
    {
        var lost = Math.Max(0, number - 1 - record.LastCheckpoint);
        _repeating = !_failedSince.Add(number);
        if (!_repeating)
        {
            _scheduledCostSeconds += restartSeconds; // the restart's cost delays the next step too
        }

        record.StepsFailed++;
        record.LostSteps += lost;
        Account(Time.AfterFailure(durationSeconds, restartSeconds));
        record.Step = record.LastCheckpoint;
        _previous = (0, durationSeconds); // the last completed step's figures stay for reading; the blocks read the failed step's length
        LastFailure = reason;
        var now = time.GetTimestamp();
        var step = new StepRecord(number, false, durationSeconds, healthyNodes, reason, WallSince(startedAt ?? now), startedAt is { } s ? Elapsed(s) : 0);
        return (Remember(step), lost);
    }

    /// <summary>
    /// Step <paramref name="number"/>, started at <paramref name="startedAt"/> and evaluated as <paramref name="result"/>,
    /// completes, or fails for <paramref name="failure"/> after the barrier timeout (with the restart's cost): the job's
    /// figures for it. Returns whether it completed, the duration the metrics take and the steps lost.
    /// </summary>
    public (bool Ok, double DurationSeconds, long Lost) Settle(long number, StepResult result, string? failure, JobSpec job, long startedAt)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(job);
        if (failure is null)
        {
            Complete(number, result, job.CheckpointEverySteps, startedAt, job.CheckpointSeconds);
            return (true, result.StepSeconds, 0);
        }

        var (_, lost) = Fail(number, failure, job.BarrierTimeoutSeconds, result.HealthyNodes, startedAt, job.RestartSeconds);
        Evaluated = (result, number, failure);
        record.Stragglers = null; // this step's is the report now
        return (false, job.BarrierTimeoutSeconds, lost);
    }

    /// <summary>The last <paramref name="count"/> steps, oldest first.</summary>
    public IReadOnlyList<StepRecord> Recent(int count) => _history.Skip(Math.Max(0, _history.Count - count)).ToArray();

    /// <summary>
    /// How long the running job has gone without progress, against the longest a healthy job may. Progress is a step
    /// completed past the furthest one, or a step replayed on the way back to a failure (at realtime pace a replay of a
    /// checkpoint interval can take many minutes); once a step fails again that already failed since the furthest,
    /// the replays are getting nowhere (noise is drawn from the seed, node and step, so they repeat) and stop
    /// counting. The bound is at least
    /// <paramref name="stallSeconds"/> of wall time, and at realtime pace at least three barrier timeouts of
    /// simulated time at the pace's speed (a step may take one and fail), plus the checkpoints' and restarts' costs
    /// since the progress at the speed: the wait the job scheduled itself (found by probing: a 900 s checkpoint at x1
    /// read as a stall two minutes into its wait, so that a liveness probe would restart a healthy silo). No progress
    /// means late against the job's own schedule; a step that never returns is still reported.
    /// </summary>
    public JobProgress Progress(PaceSettings pace, double barrierTimeoutSeconds, double stallSeconds)
    {
        ArgumentNullException.ThrowIfNull(pace);
        var bound = pace.Mode == PaceMode.Realtime
            ? Math.Max(stallSeconds, 3 * barrierTimeoutSeconds / pace.Speed) + (_scheduledCostSeconds / pace.Speed)
            : stallSeconds;
        return new JobProgress(time.GetElapsedTime(_progressAt).TotalSeconds, bound, LastFailure);
    }

    /// <summary>
    /// The background failures that started since the last hand-over (up to the simulated time now), and whether the
    /// registry is due a call: there are some, or a repair it awaits is due. Changes nothing: once the registry has
    /// them, <see cref="BackgroundHandedOver"/> moves the window on, so a call that fails hands the same ones again.
    /// </summary>
    public (IReadOnlyList<BackgroundFailure> Arrivals, bool Due) BackgroundDue(FailureArrivals arrivals)
    {
        ArgumentNullException.ThrowIfNull(arrivals);
        var found = arrivals.Between(record.FailuresThroughSeconds, record.SimulatedSeconds);
        return (found, found.Count > 0 || record.NextRepairSeconds <= record.SimulatedSeconds);
    }

    /// <summary>The registry took the <paramref name="count"/> failures <see cref="BackgroundDue"/> found: the window moves on.</summary>
    public void BackgroundHandedOver(int count, double? nextRepairSeconds, long dropped)
    {
        record.FailuresThroughSeconds = Math.Max(record.FailuresThroughSeconds, record.SimulatedSeconds);
        record.Failures += count;
        record.NextRepairSeconds = nextRepairSeconds;
        record.FailuresDropped += dropped; // drawn, not applied: the faults in force were at the registry's limit
    }

    private void Account(TrainingTime t) =>
        (record.SimulatedSeconds, record.ProductiveSeconds, record.SinceCheckpointSeconds) = (t.ElapsedSeconds, t.ProductiveSeconds, t.SinceCheckpointSeconds);

    private StepRecord Remember(StepRecord step)
    {
        _history.Enqueue(step);
        while (_history.Count > historyCapacity)
        {
            _history.Dequeue();
        }

        return step;
    }

    private double WallSince(long timestamp) => time.GetElapsedTime(_origin, timestamp).TotalSeconds;

    private double Elapsed(long startedAt) => time.GetElapsedTime(startedAt).TotalSeconds;
}
