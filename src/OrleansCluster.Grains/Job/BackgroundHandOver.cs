using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Faults;
using OrleansCluster.Model.Failures;

namespace OrleansCluster.Grains.Job;

/// <summary>
/// When the job hands the fault registry the background failures that started since the last hand-over, and what it
/// hands: nothing while the registry is off the layout (it refuses them: handed over once it is on it), nothing within
/// <see cref="RetryWait"/> of a call that failed (each may wait out storage's timeout, and the steps go on meanwhile),
/// otherwise what <see cref="JobRun.BackgroundDue"/> finds due, each failure as a fault whose id carries the run's first
/// epoch. A call that fails hands the same ones again (the window moves on only once the registry has them, and their
/// ids make a second hand-over of one a no-op), and writes a log line at most once per log interval. No grain: the job
/// makes the call and tells this how it went.
/// </summary>
internal sealed class BackgroundHandOver(TimeProvider time, TimeSpan logInterval)
{
    /// <summary>The wait after a failed call before the next try.</summary>
    public static readonly TimeSpan RetryWait = TimeSpan.FromSeconds(1);

    private readonly LogGate _failureLog = new(time, logInterval);
    private long? _failedAt; // the last failed call, until one succeeds

    /// <summary>
    /// The faults to hand over before the next step of <paramref name="run"/> (whose <paramref name="arrivals"/> they are:
    /// null for a scenario without failures), or null where no call is due: none due, the last call failed less than
    /// <see cref="RetryWait"/> ago, or the registry is not <paramref name="onLayout"/>. An empty array where only a repair
    /// the registry awaits is due.
    /// </summary>
    public BackgroundFault[]? Due(JobRun run, FailureArrivals? arrivals, bool onLayout)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (_failedAt is { } failedAt && time.GetElapsedTime(failedAt) < RetryWait)
        {
            return null;
        }

        if (!onLayout || arrivals is null || run.BackgroundDue(arrivals) is not (var found, Due: true))
        {
            return null;
        }

        // Found by probing: the layout's epoch gave a failure drawn again after a silo's loss a new id, and it was made
        // twice. A record written before the run's epoch was kept (0) has the layout's stand in.
        var record = run.Record;
        var runEpoch = record.RunEpoch > 0 ? record.RunEpoch : record.Epoch;
        return found.Select(a => BackgroundIntake.ToMessage(a, runEpoch)).ToArray();
    }

    /// <summary>The registry took them: the next step's are handed over as they come due.</summary>
    public void Taken() => _failedAt = null;

    /// <summary>The call failed: tried again after <see cref="RetryWait"/>. Whether a log line is due (one per log interval).</summary>
    public bool Failed()
    {
        _failedAt = time.GetTimestamp();
        return _failureLog.Open();
    }
}
