using Microsoft.Extensions.Options;
using Orleans.Placement;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Barrier;

/// <summary>
/// A site's coordinator: cuts the site's blocks into contiguous runs of at most
/// <see cref="SimulationTuning.BlocksPerShard"/>, one per <see cref="ShardGrain"/>, as many on each active silo
/// (<see cref="SiteShards"/>), runs each step on its shards in parallel and merges what they pass up. The shards
/// merge their blocks' summaries on the blocks' own silo, so one summary per shard crosses between silos, not one
/// per block; sketches, counts, minima, maxima, the K slowest and the state counts merge the same whatever the
/// grouping, so the figures are those of a site merging its blocks directly.
/// </summary>
[Immovable] // Orleans must not move it, nor try to when a silo stops: docs/cluster.md
public sealed class SiteGrain(IOptions<SimulationTuning> tuning, IClusterMembershipService membership) : Grain, ISiteGrain
{
    private SiteConfig? _config;
    private IShardGrain[] _shards = [];
    private int _topK = 1;

    public async Task ConfigureAsync(SiteConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;
        var silos = Math.Max(1, membership.CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Active));
        var runs = SiteShards.Split(config, tuning.Value.BlocksPerShard, silos);
        _shards = runs.Select((_, j) => GrainFactory.GetGrain<IShardGrain>(ShardKey.Format(config.Site, j))).ToArray();
        _topK = config.Blocks.Count == 0 ? 1 : config.Blocks[0].TopK;
        // Consecutive shards land on consecutive silos, so a wave of one shard per active silo gives each silo the
        // few blocks at a time one site used to configure on one silo, and no node call waits past its timeout.
        await Coordination.ConfigureInWavesAsync(_shards.Length, silos, j => _shards[j].ConfigureAsync(runs[j]));
    }

    public Task<BarrierSummary> RunStepAsync(StepCommand command)
    {
        Coordination.EnsureRuns(_config, command, "site", this);
        return Coordination.StepAllAsync(_shards, shard => shard.RunStepAsync(command), _topK);
    }
}
