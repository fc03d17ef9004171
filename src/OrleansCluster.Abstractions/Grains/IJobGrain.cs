using Orleans.Concurrency;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Abstractions.Grains;

/// <summary>
/// The training job: owns the scenario, the step loop and its pace, and the root of the barrier tree.
/// One per cluster, keyed <see cref="Key"/>; it receives a few calls per step (one per site and link), never
/// one per node.
/// </summary>
[Alias("IJobGrain")]
public interface IJobGrain : IGrainWithStringKey
{
    /// <summary>The key of the cluster's job.</summary>
    const string Key = "job";

    /// <summary>
    /// Validates and loads a scenario; the job restarts on it (stopped until started). Laying out a cluster of a
    /// million nodes over several silos takes longer than Orleans' default 30 s response timeout.
    /// </summary>
    [Alias("Load"), ResponseTimeout("00:05:00")]
    Task LoadAsync(ScenarioSource source);

    [Alias("Start")]
    Task StartAsync();

    /// <summary>
    /// Loads <paramref name="source"/> and starts it, in one turn of the job: the status answered is that of this
    /// scenario, whatever other calls (another load, a pause) arrive meanwhile. What <c>PUT /api/scenario</c> calls.
    /// </summary>
    [Alias("LoadAndStart"), ResponseTimeout("00:05:00")]
    Task<ClusterStatus> LoadAndStartAsync(ScenarioSource source);

    /// <summary>
    /// Loads <paramref name="source"/> and starts it at <paramref name="pace"/> only if no scenario is loaded yet:
    /// every silo of a cluster asks at start, and only the first one's request takes effect.
    /// </summary>
    [Alias("StartIfIdle"), ResponseTimeout("00:05:00")]
    Task<bool> StartIfIdleAsync(ScenarioSource source, PaceSettings pace);

    /// <summary>Pauses a running job after the step in flight (a paused one stays so); throws <see cref="InvalidOperationException"/> for a stopped or idle job.</summary>
    [Alias("Pause")]
    Task PauseAsync();

    /// <summary>
    /// <paramref name="silo"/> is about to shut down gracefully: stop stepping until it has left, then lay the
    /// barrier tree out over the silos that remain and go on, with no step lost. A job that <paramref name="silo"/> hosts
    /// moves to a silo that stays, its record going along in memory (no storage on the way). Interleaved with the job's other
    /// calls: a silo stopping waits only seconds for it, and laying a large scenario out holds the job for longer.
    /// </summary>
    [Alias("DrainSilo"), AlwaysInterleave]
    Task DrainSiloAsync(string silo);

    /// <summary>Resumes a paused job (a running one runs on); throws <see cref="InvalidOperationException"/> for a stopped or idle job.</summary>
    [Alias("Resume")]
    Task ResumeAsync();

    [Alias("Stop")]
    Task StopAsync();

    [Alias("SetPace")]
    Task SetPaceAsync(PaceSettings pace);

    /// <summary>
    /// One control call (<paramref name="pace"/> for <see cref="JobControl.SetPace"/>), answered with the job's status
    /// as that call left it, in the same turn: found by probing, a status read in a second call could show a call that
    /// arrived meanwhile (a start answered "stopped"). What the <c>/api/job</c> routes call.
    /// </summary>
    [Alias("Control")]
    Task<JobStatus> ControlAsync(JobControl control, PaceSettings? pace = null);

    /// <summary>Scenario, sites, links, job and last step; answered between steps, never blocked by them.</summary>
    [AlwaysInterleave, Alias("GetStatus")]
    ValueTask<ClusterStatus> GetStatusAsync();

    /// <summary>The last completed step's straggler report, or null before the first.</summary>
    [AlwaysInterleave, Alias("GetStragglers")]
    ValueTask<StragglerReport?> GetStragglersAsync(int top);

    /// <summary>The loaded scenario's source and the run's epoch (null source before any load).</summary>
    [AlwaysInterleave, Alias("GetScenarioSource")]
    ValueTask<(ScenarioSource? Source, long Epoch)> GetScenarioSourceAsync();

    /// <summary>The most recent steps, oldest first (at most <paramref name="count"/>).</summary>
    [AlwaysInterleave, Alias("GetRecentSteps")]
    ValueTask<IReadOnlyList<StepRecord>> GetRecentStepsAsync(int count);
}
