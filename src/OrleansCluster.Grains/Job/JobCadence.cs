using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Job;

/// <summary>
/// When the running job acts on the wall clock: the realtime schedule (the next step at the origin plus the simulated
/// time so far over the speed), the progress log (every so many seconds, with the step rate since the last line) and
/// the save (about once a second, and at once after a new checkpoint). No grain and no timer: the grain asks, with the
/// time from the <see cref="TimeProvider"/> this is given, so it is tested on its own.
/// </summary>
public sealed class JobCadence(TimeProvider time)
{
    /// <summary>The longest single timer wait: a grain timer takes at most about 49 days, so a long wait is cut up.</summary>
    public static readonly TimeSpan MaxTimerWait = TimeSpan.FromHours(1);

    private static readonly TimeSpan SaveEvery = TimeSpan.FromSeconds(1);

    private long _origin = time.GetTimestamp();
    private double _scheduledSeconds;
    private bool _held; // paused or stopped: _scheduledSeconds is the simulated time left to wait, from whenever the job runs again
    private long _loggedAt = time.GetTimestamp();
    private long _loggedSteps;
    private long _savedAt;
    private long _checkpointSaved;
    private long? _failedAt; // the last failed write: a checkpoint's write waits a second after one, like the others

    /// <summary>The job runs (again) with <paramref name="stepsDone"/> steps behind it: the schedule and the log rate start now, the next step at once.</summary>
    public void Start(long stepsDone)
    {
        _origin = time.GetTimestamp();
        _scheduledSeconds = 0;
        _held = false;
        _loggedAt = _origin;
        _loggedSteps = stepsDone;
    }

    /// <summary>
    /// The job stops stepping (a pause, a stop) at <paramref name="pace"/>: what was left of the wait for the next step
    /// is kept, as simulated time, for <see cref="Resume"/>; a step already due is due at once then, not early steps
    /// that catch up the time before the pause. At max pace there is no wait to keep.
    /// </summary>
    public void Hold(PaceSettings pace)
    {
        ArgumentNullException.ThrowIfNull(pace);
        if (_held)
        {
            return;
        }

        Rebase(pace);
        _scheduledSeconds = Math.Max(0, _scheduledSeconds);
        _held = true;
    }

    /// <summary>
    /// The job runs again with <paramref name="stepsDone"/> steps behind it: the wait held at <see cref="Hold"/> goes
    /// on from now, at the speed of the pace then (the log rate starts now). Without a hold, the schedule goes on as it was.
    /// </summary>
    public void Resume(long stepsDone)
    {
        if (_held)
        {
            (_origin, _held) = (time.GetTimestamp(), false);
        }

        _loggedAt = time.GetTimestamp();
        _loggedSteps = stepsDone;
    }

    /// <summary>
    /// The pace goes from <paramref name="from"/> to <paramref name="to"/>: the wait left for the next step is kept,
    /// rescaled to the new speed (at the same speed the next step stays due when it was; a step that is late stays as
    /// late, over the speed). From max pace the schedule starts at the change, the next step at once; to max pace
    /// there is no wait.
    /// </summary>
    public void Repace(PaceSettings from, PaceSettings to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        if (from.Mode != PaceMode.Realtime)
        {
            (_origin, _scheduledSeconds) = (time.GetTimestamp(), 0); // the realtime schedule was not kept at max pace
        }
        else if (!_held)
        {
            Rebase(from); // the simulated time still ahead, from now; the new speed divides it
            if (to.Speed != from.Speed && _scheduledSeconds < 0)
            {
                // Found by review: a job behind its schedule at x1000 kept the backlog at x1 and ran flat out until it
                // had caught up; another speed owes nothing from before it, as a pause's hold does not.
                _scheduledSeconds = 0;
            }
        }
    }

    // The origin moves to now and the schedule to what is still ahead of it (negative when late), in simulated time at
    // the pace's speed: the next step's due time at that speed is unchanged.
    private void Rebase(PaceSettings pace)
    {
        var now = time.GetTimestamp();
        if (pace.Mode == PaceMode.Realtime)
        {
            _scheduledSeconds -= time.GetElapsedTime(_origin, now).TotalSeconds * pace.Speed;
        }
        else
        {
            _scheduledSeconds = 0;
        }

        _origin = now;
    }

    /// <summary>A step took <paramref name="simulatedSeconds"/>: the next one is due that much later at realtime.</summary>
    public void Ran(double simulatedSeconds) => _scheduledSeconds += simulatedSeconds;

    /// <summary>
    /// At realtime pace, how long to wait before the next step at <paramref name="speed"/>. Null when it is due; at
    /// most <see cref="MaxTimerWait"/>, after which the caller asks again.
    /// </summary>
    public TimeSpan? WaitBeforeNext(double speed)
    {
        var remaining = (_scheduledSeconds / speed) - time.GetElapsedTime(_origin).TotalSeconds;
        return remaining > 0.001 ? TimeSpan.FromSeconds(Math.Min(remaining, MaxTimerWait.TotalSeconds)) : null;
    }

    /// <summary>
    /// The steps per second since the last progress line when one is due (<paramref name="intervalSeconds"/> since it),
    /// <paramref name="stepsDone"/> steps run so far; null otherwise. A due line starts the next interval.
    /// </summary>
    public double? ProgressRate(long stepsDone, double intervalSeconds)
    {
        var elapsed = time.GetElapsedTime(_loggedAt).TotalSeconds;
        if (elapsed < intervalSeconds)
        {
            return null;
        }

        var rate = (stepsDone - _loggedSteps) / elapsed;
        _loggedAt = time.GetTimestamp();
        _loggedSteps = stepsDone;
        return rate;
    }

    /// <summary>Whether the record is due a write: a second since the last, or a checkpoint past the one last written (a second after a failed write).</summary>
    public bool SaveDue(long lastCheckpoint) =>
        time.GetElapsedTime(_savedAt) >= SaveEvery || (lastCheckpoint > _checkpointSaved && (_failedAt is not { } failed || time.GetElapsedTime(failed) >= SaveEvery));

    /// <summary>A write of the record failed: the next is due a second from now (a checkpoint still waits for one).</summary>
    public void SaveFailed()
    {
        _savedAt = time.GetTimestamp();
        _failedAt = _savedAt;
    }

    /// <summary>The record was written with <paramref name="lastCheckpoint"/>.</summary>
    public void Saved(long lastCheckpoint)
    {
        _savedAt = time.GetTimestamp();
        _checkpointSaved = lastCheckpoint;
        _failedAt = null;
    }
}
