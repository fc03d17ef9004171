using Orleans.Placement;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Barrier;

/// <summary>
/// A shard of a site's coordination: runs each step on its run of the site's blocks in parallel and merges their
/// summaries. It is activated beside the silo coordinator that configures it, and its blocks beside it
/// (<see cref="BesideCoordinatorPlacementDirector"/>, also when a new layout moves them to another silo), so a step's
/// calls below the silo coordinator never cross silos and the merging is spread over the silo's cores, a shard at a time.
/// </summary>
[Immovable] // Orleans must not move it, nor try to when a silo stops (it moves itself to a new layout's silo): docs/cluster.md
[BesideCoordinatorPlacement]
public sealed class ShardGrain : Grain, IShardGrain
{
    private const int BlocksConfiguredAtOnce = 16;

    private SiteConfig? _config;
    private IBlockGrain[] _blocks = [];
    private SummaryMerger _merger = new(1);

    public async Task<bool> ConfigureAsync(SiteConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (BesideCoordinatorPlacementDirector.Misplaced(GrainContext.Address.SiloAddress))
        {
            this.MigrateOnIdle();
            return false;
        }

        _config = config;
        _blocks = config.Blocks.Select(b => GrainFactory.GetGrain<IBlockGrain>(b.Block)).ToArray();
        _merger = new SummaryMerger(config.Blocks.Count == 0 ? 1 : config.Blocks[0].TopK);

        // A few blocks at a time keep the node calls waiting in the silo's queue few enough that none waits past
        // its own response timeout, whatever the size of the shard.
        for (var first = 0; first < _blocks.Length; first += BlocksConfiguredAtOnce)
        {
            var wave = Enumerable.Range(first, Math.Min(BlocksConfiguredAtOnce, _blocks.Length - first));
            await Task.WhenAll(wave.Select(i => BesideCoordinatorPlacementDirector.PlaceAsync(() => _blocks[i].ConfigureAsync(config.Blocks[i]), $"block {config.Blocks[i].Block}")));
        }

        return true;
    }

    public async Task<BarrierSummary> RunStepAsync(StepCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var config = _config ?? throw new InvalidOperationException($"shard {this.GetPrimaryKeyString()} is not configured");
        if (config.Epoch != command.Epoch)
        {
            throw new InvalidOperationException($"shard {this.GetPrimaryKeyString()} runs epoch {config.Epoch}, asked for {command.Epoch}");
        }

        var tasks = new Task<BarrierSummary>[_blocks.Length];
        for (var i = 0; i < tasks.Length; i++)
        {
            tasks[i] = _blocks[i].RunStepAsync(command);
        }

        return _merger.Merge(await Task.WhenAll(tasks), _blocks.Length);
    }
}
