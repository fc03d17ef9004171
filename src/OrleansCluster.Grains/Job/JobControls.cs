using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Job;

/// <summary>
/// The job's control calls as rules over its record: which call each state takes, what it changes in the record, and
/// the words of a call refused (the API answers them 409). No grain: the grain asks, then moves its timer and writes.
/// </summary>
public static class JobControls
{
    /// <summary>What a start does.</summary>
    public enum Start
    {
        /// <summary>The job runs already.</summary>
        Nothing,

        /// <summary>A paused job resumes.</summary>
        Resume,

        /// <summary>A stopped job runs the run laid out, from step 1.</summary>
        Run,

        /// <summary>A stopped job runs again from step 1: a new run is laid out first.</summary>
        RunAnew,
    }

    /// <summary>
    /// What a start does to <paramref name="job"/>, its tree laid out and ready or not (<paramref name="treeReady"/>): a
    /// stopped job that has stepped, or whose tree is not ready, starts over from step 1 with a new run. Throws
    /// <see cref="InvalidOperationException"/> when no scenario is loaded.
    /// </summary>
    public static Start Starts(JobRecord job, bool treeReady)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job.State switch
        {
            JobState.Idle => throw new InvalidOperationException("no scenario is loaded"),
            JobState.Paused => Start.Resume,
            JobState.Running => Start.Nothing,
            _ => job.Step > 0 || job.StepsFailed > 0 || !treeReady ? Start.RunAnew : Start.Run,
        };
    }

    /// <summary>Whether a pause halts a job in <paramref name="state"/> (a paused one stays as it is); throws <see cref="InvalidOperationException"/> for one not running.</summary>
    public static bool Pauses(JobState state) => state switch
    {
        JobState.Running => true,
        JobState.Paused => false,
        _ => throw new InvalidOperationException(NotRunning(state, "pause")),
    };

    /// <summary>Whether a resume runs a job in <paramref name="state"/> (a running one stays as it is); throws <see cref="InvalidOperationException"/> for one not paused or running.</summary>
    public static bool Resumes(JobState state) => state switch
    {
        JobState.Paused => true,
        JobState.Running => false,
        _ => throw new InvalidOperationException(NotRunning(state, "resume")),
    };

    /// <summary>Whether a stop halts a job in <paramref name="state"/>: one running or paused (stopping any other changes nothing).</summary>
    public static bool Stops(JobState state) => state is JobState.Running or JobState.Paused;

    /// <summary>The job halts in <paramref name="state"/>: a job with no scenario stays idle when it stops.</summary>
    public static void Halt(JobRecord job, JobState state)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.State != JobState.Idle || state != JobState.Stopped)
        {
            job.State = state;
        }
    }

    /// <summary>
    /// A load of <paramref name="source"/> into <paramref name="job"/> (halted as stopped first): the run laid out next
    /// clears every fault, until one is.
    /// </summary>
    public static void Load(JobRecord job, ScenarioSource source)
    {
        ArgumentNullException.ThrowIfNull(job);
        job.Source = source;
        job.ClearFaultsOwed = true;
        job.Stragglers = null; // the last run's
    }

    /// <summary>A run was laid out for <paramref name="job"/>: one that was idle is stopped, ready to start.</summary>
    public static void LaidOut(JobRecord job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.State == JobState.Idle)
        {
            job.State = JobState.Stopped;
        }
    }

    /// <summary>
    /// Whether an activation that takes <paramref name="job"/> over counts a step lost: a running job whose record was
    /// not written on a clean hand-over lost the step in flight and those since its last save; a paused one was saved as
    /// it paused, with no step in flight, and resumes where it stood.
    /// </summary>
    public static bool LostStepInFlight(JobRecord job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return !job.Clean && job.State == JobState.Running;
    }

    /// <summary>The stored scenario no longer loads: <paramref name="job"/> forgets it and is idle (load one).</summary>
    public static void Forget(JobRecord job)
    {
        ArgumentNullException.ThrowIfNull(job);
        (job.Source, job.State) = (null, JobState.Idle);
    }

    // Why a stopped or never-started job cannot be paused or resumed, and what to do instead.
    private static string NotRunning(JobState state, string what) => state == JobState.Idle
        ? $"no scenario is loaded: nothing to {what} (PUT /api/scenario loads one)"
        : $"the job is stopped: nothing to {what} (POST /api/job/start runs it again from step 1)";
}
