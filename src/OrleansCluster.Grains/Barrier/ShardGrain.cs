using Orleans.Placement;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Barrier;

/// <summary>
/// A shard of a site's coordination: runs each step on its run of the site's blocks in parallel and merges their
/// summaries, so that one summary per shard crosses to the site. Its blocks are placed beside it (they prefer the
/// silo of the grain that first calls them, and a shard configures them), and the shards of a site are spread
/// evenly over the silos by <see cref="ShardPlacementAttribute"/>, so every silo steps about as many nodes.
/// </summary>
[Immovable] // Orleans must not move it, nor try to when a silo stops: docs/cluster.md
[ShardPlacement]
public sealed class ShardGrain : Grain, IShardGrain
{
    private const int BlocksConfiguredAtOnce = 16;

    private SiteConfig? _config;
    private IBlockGrain[] _blocks = [];
    private int _topK = 1;

    public async Task ConfigureAsync(SiteConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;
        _blocks = config.Blocks.Select(b => GrainFactory.GetGrain<IBlockGrain>(b.Block)).ToArray();
        _topK = config.Blocks.Count == 0 ? 1 : config.Blocks[0].TopK;
        // A few blocks at a time keep the node calls waiting in the silo's queue few enough that none waits past
        // its own response timeout, whatever the size of the shard.
        await Coordination.ConfigureInWavesAsync(_blocks.Length, BlocksConfiguredAtOnce, i => _blocks[i].ConfigureAsync(config.Blocks[i]));
    }

    public Task<BarrierSummary> RunStepAsync(StepCommand command)
    {
        Coordination.EnsureRuns(_config, command, "shard", this);
        return Coordination.StepAllAsync(_blocks, block => block.RunStepAsync(command), _topK);
    }
}
