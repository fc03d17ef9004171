using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Job;

/// <summary>
/// The job's durable state: the scenario it runs and its position. Written on every control call, at every
/// checkpoint, about once a second while stepping, and on a clean deactivation (<see cref="Clean"/>): a job
/// whose silo died resumes from its last checkpoint with the step in flight counted as failed; one moved by a
/// graceful shutdown resumes where it stopped.
/// </summary>
[GenerateSerializer, Alias("JobRecord")]
public sealed class JobRecord
{
    [Id(0)] public ScenarioSource? Source { get; set; }

    [Id(1)] public long Epoch { get; set; }

    [Id(2)] public JobState State { get; set; }

    [Id(3)] public PaceSettings Pace { get; set; } = PaceSettings.Realtime();

    [Id(4)] public long Step { get; set; }

    [Id(5)] public long LastCheckpoint { get; set; }

    [Id(6)] public long StepsOk { get; set; }

    [Id(7)] public long StepsFailed { get; set; }

    [Id(8)] public long LostSteps { get; set; }

    [Id(9)] public double SimulatedSeconds { get; set; }

    [Id(10)] public bool Clean { get; set; }

    /// <summary>Simulated seconds of completed steps still standing (not rolled back): ETTR's numerator.</summary>
    [Id(11)] public double ProductiveSeconds { get; set; }

    /// <summary>Simulated seconds of completed steps since the last checkpoint: lost if a step fails.</summary>
    [Id(12)] public double SinceCheckpointSeconds { get; set; }

    /// <summary>The simulated time up to which background failures were handed to the registry.</summary>
    [Id(13)] public double FailuresThroughSeconds { get; set; }

    /// <summary>The simulated time of the next background repair the registry awaits, if any.</summary>
    [Id(14)] public double? NextRepairSeconds { get; set; }

    /// <summary>Background failures drawn in this run.</summary>
    [Id(15)] public long Failures { get; set; }

    /// <summary>Of <see cref="Failures"/>, those the registry dropped: the faults in force were at its limit.</summary>
    [Id(16)] public long FailuresDropped { get; set; }

    /// <summary>
    /// The activation that wrote the record (a new id for each): a write refused for a stale ETag over a record this
    /// activation wrote itself was one whose answer was lost, not another activation's.
    /// </summary>
    [Id(17)] public Guid Writer { get; set; }

    /// <summary>
    /// The nodes the barrier has evicted in this run, by their ordinal in the scenario's layout: an activation that
    /// takes the job over (a graceful move, a silo lost) lays the tree out with them still evicted, so a node still
    /// crashed does not miss the barrier again and fail a step the run already paid for.
    /// </summary>
    [Id(18)] public int[] EvictedNodes { get; set; } = [];

    /// <summary>
    /// The epoch of the run's first layout: the background failures' ids carry it, so an arrival drawn again (by an
    /// activation that resumed from an older record after its silo was lost) has the id it was handed over with, and
    /// the registry makes it once. 0 in a record written before it was kept: the layout's epoch stands in.
    /// </summary>
    [Id(19)] public long RunEpoch { get; set; }

    /// <summary>
    /// A scenario load is written but its run not yet laid out (the registry's call failed): the run laid out next,
    /// by a start after any reactivation, clears every fault as the load asked, not only the background ones.
    /// </summary>
    [Id(20)] public bool ClearFaultsOwed { get; set; }

    /// <summary>
    /// This write's own id (a new one at each): a control call's write whose outcome is unknown (it timed out, or its
    /// connection failed) is settled by reading the record back, and storage holds the change when it holds this id.
    /// </summary>
    [Id(21)] public Guid WriteId { get; set; }

    /// <summary>
    /// This write's place in the order of the record's writes, one past the last its writer stamped, which starts from
    /// the record the writer read: a write refused for its ETag over a record of a lower sequence from another activation
    /// found storage gone back in time, not a later writer (<see cref="RecordSequence"/>). 0 in a record written before it
    /// was kept: older than any.
    /// </summary>
    [Id(22)] public long Sequence { get; set; }

    /// <summary>
    /// The straggler report of the last step evaluated, kept while the job stands still (paused or stopped), so that an
    /// activation that takes it over answers <c>/api/stragglers</c> as the one it follows did: at most the scenario's
    /// top-K of its nodes, links, sites and generations, the worst, with counts of those left out
    /// (<see cref="KeptStragglerReport"/>; about 1 KB written for <c>small</c> at the default top 20, which it keeps whole,
    /// and about 190 KB at most at the largest top-K, 1,000, whatever the scenario's size). Null while the job runs (its next step's comes soon),
    /// before a run's first step, and in a record written before it was kept.
    /// </summary>
    [Id(23)] public StragglerReport? Stragglers { get; set; }

    /// <summary>A copy to put back with <see cref="Restore"/> when a change's write fails.</summary>
    public JobRecord Copy() => (JobRecord)MemberwiseClone();

    /// <summary>Puts back every field of <paramref name="copy"/> (the run's arithmetic holds this instance, so it stays).</summary>
    public void Restore(JobRecord copy)
    {
        ArgumentNullException.ThrowIfNull(copy);
        foreach (var property in typeof(JobRecord).GetProperties())
        {
            property.SetValue(this, property.GetValue(copy));
        }
    }
}
