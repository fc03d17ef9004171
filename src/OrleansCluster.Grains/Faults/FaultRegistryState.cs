using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Faults;

/// <summary>
/// The registry's durable state: the run it serves, the faults pending or in force, and its counters. Written
/// on every injection and clear, so it holds little that grows with the registry's age: only the per-node tally of
/// rows spared by ended XID-48 faults (<see cref="RemappedRows"/>), bounded by the scenario's nodes (found by review: at
/// most one entry per node ever crashed by such a fault, 88,000 for colossus, about 20 B each).
/// </summary>
[GenerateSerializer, Alias("FaultRegistryState")]
public sealed class FaultRegistryState
{
    [Id(0)] public long Epoch { get; set; }

    [Id(1)] public ScenarioSource? Scenario { get; set; }

    [Id(2)] public long NextId { get; set; } = 1;

    /// <summary>Faults pending or in force.</summary>
    [Id(3)] public List<Fault> Faults { get; set; } = [];

    [Id(5)] public Dictionary<string, long> InjectedByKind { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The idempotency keys of recent injections (bounded by <see cref="IdempotencyLog"/>), oldest first.</summary>
    [Id(6)] public List<IdempotencyRecord> Idempotency { get; set; } = [];

    /// <summary>Background failures taken since the registry began, by cause.</summary>
    [Id(7)] public Dictionary<string, long> FailuresByCause { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The run's nodes per block, as the job laid it out (0 in state written before it was kept: the default).</summary>
    [Id(8)] public int BlockSize { get; set; }

    // Id 9 retired (a count of dropped background failures, now the job's): not to be reused.

    /// <summary>
    /// The faults this record's writes ended (cleared, expired, repaired, or ended by a new run) that the history
    /// may not hold yet: a write that takes a fault out of <see cref="Faults"/> says here how it ended, so that a
    /// write whose answer was lost (it landed after its timeout) loses no fault from the history when the registry
    /// reloads. Taken out once a history write holding them succeeded (bounded like the history).
    /// </summary>
    [Id(10)] public List<Fault> Ending { get; set; } = [];

    /// <summary>
    /// Names the write that stored this record, new at each write: after a write whose outcome is unknown (it timed
    /// out, or the connection failed) the record read back holds it only when that write landed.
    /// </summary>
    [Id(11)] public Guid WriteId { get; set; }

    /// <summary>
    /// This write's place in the order of the record's writes (<see cref="RecordSequence"/>): a write refused for its ETag
    /// over a record of a lower sequence from another activation found storage gone back in time, not a later writer. 0
    /// in a record written before it was kept: older than any.
    /// </summary>
    [Id(12)] public long Sequence { get; set; }

    /// <summary>The registry activation that wrote the record (a new id for each; empty in a record written before it was kept).</summary>
    [Id(13)] public Guid Writer { get; set; }

    /// <summary>
    /// The HBM rows the faults that ended spared, per node (<see cref="FaultBook.RowsSpared"/>): added as each leaves the
    /// live faults (<c>FaultStore.Journal</c>), in the same write, so that a fault's rows are counted once whether it is
    /// live or ended, and a node's count (this plus its live faults', <see cref="FaultBook.RowsSparedOn"/>) is the same
    /// after any reload. A node's remapping is its GPU's for good, as real GPUs keep it in their InfoROM: kept across
    /// runs of the scenario, started again only with another scenario (other machines). One entry per node a double-bit
    /// ECC error ever hit: bounded by the scenario's nodes. Empty in a record written before it was kept.
    /// </summary>
    [Id(14)] public Dictionary<string, int> RemappedRows { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Moves the state to run <paramref name="epoch"/> of <paramref name="scenario"/>, laid out in blocks of
    /// <paramref name="blockSize"/> nodes. Found by probing: the counters ran on across scenarios, and the metrics
    /// labelled every earlier scenario's injections and failures (causes it does not have included) with the one loaded
    /// now; another scenario than the stored one starts them again, and the rows spared (other machines).
    /// </summary>
    internal void BeginRun(long epoch, ScenarioSource scenario, int blockSize)
    {
        if (!Equals(scenario, Scenario))
        {
            (InjectedByKind, FailuresByCause, RemappedRows) = (new(StringComparer.Ordinal), new(StringComparer.Ordinal), new(StringComparer.Ordinal));
        }

        (Epoch, Scenario, BlockSize) = (epoch, scenario, blockSize);
    }

    /// <summary>
    /// The state as it is, to put back when a write fails: every property (a field added later comes along), with
    /// collections of its own, as a mutation changes them in place (a collection added later must be copied here).
    /// </summary>
    internal FaultRegistryState Copy()
    {
        var copy = (FaultRegistryState)MemberwiseClone();
        copy.Faults = [.. Faults];
        copy.InjectedByKind = new(InjectedByKind, StringComparer.Ordinal);
        copy.FailuresByCause = new(FailuresByCause, StringComparer.Ordinal);
        copy.Idempotency = [.. Idempotency];
        copy.Ending = [.. Ending];
        copy.RemappedRows = new(RemappedRows, StringComparer.Ordinal);
        return copy;
    }
}

/// <summary>
/// An injection made under an idempotency key: a fingerprint of what it asked, and the faults it made (their ids
/// are consecutive, so the first id and the count name them all).
/// </summary>
[GenerateSerializer, Immutable, Alias("IdempotencyRecord")]
public sealed record IdempotencyRecord(
    [property: Id(0)] string Key,
    [property: Id(1)] string Fingerprint,
    [property: Id(2)] long FirstId,
    [property: Id(3)] int Count,
    [property: Id(4)] DateTimeOffset At);

/// <summary>
/// The most recent faults that expired or were cleared (bounded): history, kept apart from the live state and
/// written behind it (within a second), so that the write on each injection stays small.
/// </summary>
[GenerateSerializer, Alias("FaultHistoryState")]
public sealed class FaultHistoryState
{
    [Id(0)] public List<Fault> Ended { get; set; } = [];
}
