using System.ComponentModel.DataAnnotations;
using System.Globalization;
using OrleansCluster.Model.Scenarios;

namespace OrleansCluster.Grains;

/// <summary>
/// How the live simulation is laid out over grains (bound from the <c>Simulation</c> configuration section),
/// and how large a scenario a silo takes. None of these change a figure of the model; they trade grain calls
/// against work per call, or refuse what would not fit in memory. Each bound is written once, here, as an
/// attribute; <see cref="SimulationTuningValidator"/> checks them when the silo starts, so the grains use the
/// values as they are.
/// </summary>
public sealed class SimulationTuning
{
    /// <summary>The setting <see cref="MaxNodes"/> is read from, named in refusals.</summary>
    public const string MaxNodesSetting = "Simulation:MaxNodes";

    /// <summary>
    /// Silo memory one node of a running scenario costs at worst, measured: three million nodes ran in 14.2 GiB on one
    /// silo when each was an activation (about 5.1 KB: the node grain, its share of a block, the layout and the
    /// effects). Nodes at rest cost about 1.2 KiB (their blocks draw them; 3.4 GiB, 3,495 MiB, for three million,
    /// docs/performance.md's second round), but a fault on every node makes every node an activation again.
    /// </summary>
    public const long BytesPerNode = 5 * 1024;

    /// <summary>Nodes per block coordinator.</summary>
    [Range(1, 1_000_000)]
    public int BlockSize { get; set; } = 512;

    /// <summary>
    /// Blocks per shard of a site's coordination (<c>Simulation:BlocksPerShard</c>): a site's blocks are cut into
    /// contiguous runs of about this many, each a shard grain stepped by a silo's coordinator, with its blocks beside
    /// it; the shards are spread evenly over the silos. 16 blocks of 512 are 8,192 nodes: <c>colossus</c>'s 173 blocks
    /// make 13 shards on one silo (each site's last one short), a million nodes about 130.
    /// </summary>
    [Range(1, 1_000_000)]
    public int BlocksPerShard { get; set; } = 16;

    /// <summary>Steps a node grain computes per call (its times depend only on seed, step and faults).</summary>
    [Range(1, 4096)]
    public int BatchSteps { get; set; } = 64;

    /// <summary>
    /// Whether a block, once it has answered a step, reduces its next step ahead as well as drawing its batches
    /// (<c>Simulation:StepAhead</c>): while its silo waits for the other silos and the job, it gathers the next step's
    /// distributions, K slowest and barrier misses, so that the step's call has only the last step's waits to record.
    /// The figures are the same either way; false leaves the reduction to the step's call (for measuring the difference).
    /// </summary>
    public bool StepAhead { get; set; } = true;

    /// <summary>At <c>max</c> pace, how long one timer tick may keep stepping before letting other calls in.</summary>
    [Range(1, 60_000)]
    public int MaxPaceSliceMilliseconds { get; set; } = 20;

    /// <summary>Seconds between the job's progress log lines.</summary>
    [Range(1e-3, double.MaxValue)]
    public double LogIntervalSeconds { get; set; } = 10;

    /// <summary>
    /// Wall seconds a running job may go without completing a step before <c>/healthz</c> calls it stalled (at
    /// realtime pace, at least three barrier timeouts of simulated time at the current speed).
    /// </summary>
    [Range(1e-3, double.MaxValue)]
    public double StallSeconds { get; set; } = 120;

    /// <summary>Steps kept in the job's recent history.</summary>
    [Range(1, 1_000_000)]
    public int HistoryCapacity { get; set; } = 4096;

    /// <summary>
    /// The most nodes a scenario may hold in all. A larger one is refused before anything is built: one request
    /// of 50 million nodes (501 sites of 99,999) otherwise grows the silo until it runs out of memory. The
    /// default is <see cref="DefaultMaxNodes"/>.
    /// </summary>
    [Range(1, 100_000_000)]
    public int MaxNodes { get; set; } = DefaultMaxNodes;

    /// <summary>
    /// Four fifths of the memory available to this process (<c>GC.GetGCMemoryInfo().TotalAvailableMemoryBytes</c>:
    /// the machine's, or the container's limit) at <see cref="BytesPerNode"/> a node: about 3.9 million nodes
    /// with 24 GiB, 21 million with 128 GiB.
    /// </summary>
    public static int DefaultMaxNodes { get; } =
        (int)Math.Clamp(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 5 * 4 / BytesPerNode, 1_000, 100_000_000);

    /// <summary>The error naming <c>sites</c> when <paramref name="scenario"/> holds more than <see cref="MaxNodes"/> nodes.</summary>
    public ScenarioError? SizeError(Scenario scenario)
    {
        var nodes = ScenarioLoader.CountNodes(scenario);
        return nodes <= MaxNodes ? null : new ScenarioError(
            "sites",
            string.Create(CultureInfo.InvariantCulture, $"{nodes:N0} nodes in all is more than the {MaxNodes:N0} this silo takes ({MaxNodesSetting}, about {BytesPerNode / 1024} KiB of memory a node)"));
    }
}
