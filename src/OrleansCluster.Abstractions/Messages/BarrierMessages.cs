namespace OrleansCluster.Abstractions.Messages;

/// <summary>
/// The job's order to run one step, passed down the barrier tree (job, silo coordinator, shard, block).
/// <paramref name="PreviousMaxComputeSeconds"/> is the last step's slowest compute time, so that blocks can
/// record their nodes' barrier waits of that step without another round trip (0 after a failed step: only completed
/// steps' waits are recorded); <paramref name="PreviousStepSeconds"/> is how long the last step lasted, the barrier
/// timeout for a failed one, which the dcgm series' busy share divides by (0: none to read).
/// </summary>
[GenerateSerializer, Immutable, Alias("StepCommand")]
public sealed record StepCommand(
    [property: Id(0)] long Epoch,
    [property: Id(1)] long Step,
    [property: Id(2)] bool RejoinCheck,
    [property: Id(3)] double PreviousMaxComputeSeconds,
    [property: Id(4)] double PreviousStepSeconds = 0);

/// <summary>
/// What one level of the barrier tree passes up for one step: per-generation compute statistics (a
/// mergeable sketch, not every node's time), the K slowest nodes, the nodes that missed the barrier (and are
/// evicted), node counts by state, how many grain calls it took, and the evicted nodes that rejoined (after a
/// checkpoint): with <see cref="Missed"/>, what lets the job keep the evicted set across a new layout.
/// </summary>
[GenerateSerializer, Immutable, Alias("BarrierSummary")]
public sealed record BarrierSummary(
    [property: Id(0)] IReadOnlyList<GroupSummary> Groups,
    [property: Id(1)] IReadOnlyList<SlowNode> Slowest,
    [property: Id(2)] IReadOnlyList<string> Missed,
    [property: Id(3)] IReadOnlyList<NodeCounts> States,
    [property: Id(4)] long GrainCalls,
    [property: Id(5)] IReadOnlyList<string>? Rejoined = null);

/// <summary>Compute statistics of the nodes of one generation that reached the barrier.</summary>
[GenerateSerializer, Immutable, Alias("GroupSummary")]
public sealed record GroupSummary(
    [property: Id(0)] string Generation,
    [property: Id(1)] int Count,
    [property: Id(2)] long Gpus,
    [property: Id(3)] double SumSeconds,
    [property: Id(4)] double MinSeconds,
    [property: Id(5)] double MaxSeconds,
    [property: Id(6)] int SketchFirstBucket,
    [property: Id(7)] int[] SketchCounts,
    [property: Id(8)] int LargestNodeGpus);

/// <summary>A node among the slowest of its block at one step (a value: a block lists K of them at every step).</summary>
[GenerateSerializer, Immutable, Alias("SlowNode")]
public readonly record struct SlowNode(
    [property: Id(0)] string Node,
    [property: Id(1)] string Generation,
    [property: Id(2)] double ComputeSeconds);

/// <summary>What one shard of a site coordinates: a run of the site's blocks, and the figures their nodes need.</summary>
[GenerateSerializer, Immutable, Alias("SiteConfig")]
public sealed record SiteConfig(
    [property: Id(0)] long Epoch,
    [property: Id(1)] string Site,
    [property: Id(2)] IReadOnlyList<BlockConfig> Blocks);

/// <summary>
/// The shards of site <paramref name="Site"/> (its index in the scenario) that one silo's coordinator steps in the
/// run of <paramref name="Epoch"/>: each shard's grain key and its run of the site's blocks.
/// </summary>
[GenerateSerializer, Immutable, Alias("SiloShards")]
public sealed record SiloShards(
    [property: Id(0)] long Epoch,
    [property: Id(1)] int Site,
    [property: Id(2)] IReadOnlyList<ShardConfig> Shards);

/// <summary>One shard of a site: its grain key and its run of the site's blocks.</summary>
[GenerateSerializer, Immutable, Alias("ShardConfig")]
public sealed record ShardConfig(
    [property: Id(0)] string Key,
    [property: Id(1)] SiteConfig Blocks);

/// <summary>
/// A silo coordinator's answer to a step: one merged summary per site it steps, each beside the site's index, and
/// the wall seconds the silo took from the command's arrival to its answer (its blocks' work and its merges).
/// </summary>
[GenerateSerializer, Immutable, Alias("SiloStepAnswer")]
public sealed record SiloStepAnswer(
    [property: Id(0)] IReadOnlyList<int> Sites,
    [property: Id(1)] IReadOnlyList<BarrierSummary> Summaries,
    [property: Id(2)] double WallSeconds = 0);

/// <summary>
/// A block of nodes: their specs and the barrier policy. <see cref="Continuing"/> when the run goes on from the same
/// step over a new layout (a silo joined or left): the block keeps the nodes it had evicted, so that a node still
/// crashed does not miss the barrier again and fail a step the run had already paid for.
/// </summary>
[GenerateSerializer, Immutable, Alias("BlockConfig")]
public sealed record BlockConfig(
    [property: Id(0)] long Epoch,
    [property: Id(1)] string Block,
    [property: Id(2)] IReadOnlyList<NodeSpec> Nodes,
    [property: Id(3)] double BarrierTimeoutSeconds,
    [property: Id(4)] int TopK,
    [property: Id(5)] string Scenario,
    [property: Id(6)] string Site,
    [property: Id(7)] double GradientBytes = 0,
    [property: Id(8)] bool Continuing = false,
    [property: Id(9)] IReadOnlyList<string>? Evicted = null);

/// <summary>
/// Everything a node grain needs to compute its own step times. <see cref="NominalComputeSeconds"/> is the node's
/// own: its share of the work and its persistent factor v_i already folded in (DESIGN.md 7.1, 7.3).
/// </summary>
[GenerateSerializer, Immutable, Alias("NodeSpec")]
public sealed record NodeSpec(
    [property: Id(0)] long Epoch,
    [property: Id(1)] string Node,
    [property: Id(2)] string Site,
    [property: Id(3)] string Block,
    [property: Id(4)] string Generation,
    [property: Id(5)] int Gpus,
    [property: Id(6)] double NominalComputeSeconds,
    [property: Id(7)] ulong Seed,
    [property: Id(8)] double ComputeCv,
    [property: Id(9)] double OutlierProbability = 0,
    [property: Id(10)] double OutlierFactor = 1);
