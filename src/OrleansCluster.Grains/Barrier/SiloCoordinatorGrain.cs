using System.Diagnostics;
using Orleans.Placement;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Barrier;

/// <summary>
/// One silo's coordinator, on that silo (<see cref="SiloPlacementAttribute"/>): the job lays each site's shards out
/// over the silos (<see cref="SiteShards.PerSilo"/>) and hands each silo's coordinator its own; the coordinator
/// configures them, so they and their blocks activate beside it, and at each step calls them all at once and merges
/// their summaries site by site. One call per silo goes down from the job and one answer per silo comes back,
/// carrying a summary per site with the site's index; the sketches, counts, minima, maxima, the K slowest and the
/// state counts merge the same whatever the grouping, so the job's figures are those of a site merging its blocks
/// directly.
/// </summary>
[Immovable] // Orleans must not move it, nor try to when a silo stops: docs/cluster.md
[SiloPlacement]
public sealed class SiloCoordinatorGrain : Grain, ISiloCoordinatorGrain
{
    private long _epoch = -1;
    private readonly SortedDictionary<int, IShardGrain[]> _bySite = [];
    private SummaryMerger _merger = new(1); // its K is the layout's top-K

    // Flattened from _bySite for the step: every shard, and per site (ascending) how many of them are its.
    private IShardGrain[] _shards = [];
    private int[] _sites = [];
    private int[] _shardsOfSite = [];

    public async Task ConfigureAsync(SiloShards shards)
    {
        ArgumentNullException.ThrowIfNull(shards);
        // Another run's layout replaces this one whatever its epoch: a job whose durable record was lost starts its
        // epochs again from the first, and must still find the coordinators of the silos that outlived it.
        if (shards.Epoch != _epoch)
        {
            _epoch = shards.Epoch;
            _bySite.Clear();
        }

        // Dropped before the shards configure: a configuration that fails part way leaves the site out, and the
        // job's check of the answer's sites fails the step rather than merge a half-laid-out site.
        _bySite.Remove(shards.Site);
        Flatten();
        var grains = shards.Shards.Select(s => GrainFactory.GetGrain<IShardGrain>(s.Key)).ToArray();
        var topK = shards.Shards.FirstOrDefault(s => s.Blocks.Blocks.Count > 0)?.Blocks.Blocks[0].TopK ?? _merger.TopK;
        _merger = _merger.TopK == topK ? _merger : new SummaryMerger(topK);

        // One shard at a time: with every silo's coordinator configuring at once, the cluster configures one shard
        // per silo at a time, each a few blocks at a time, and no node call waits past its response timeout.
        BesideCoordinatorPlacementDirector.Want(GrainContext.Address.SiloAddress); // the shards and their blocks activate here
        for (var j = 0; j < grains.Length; j++)
        {
            var (grain, shard) = (grains[j], shards.Shards[j]);
            await BesideCoordinatorPlacementDirector.PlaceAsync(() => grain.ConfigureAsync(shard.Blocks), $"shard {shard.Key}");
        }

        _bySite[shards.Site] = grains;
        Flatten();
    }

    public async Task<SiloStepAnswer> RunStepAsync(StepCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var arrived = Stopwatch.GetTimestamp();
        if (command.Epoch != _epoch)
        {
            throw new InvalidOperationException($"silo coordinator {this.GetPrimaryKeyString()} runs epoch {_epoch}, asked for {command.Epoch}");
        }

        var tasks = new Task<BarrierSummary>[_shards.Length];
        for (var i = 0; i < tasks.Length; i++)
        {
            tasks[i] = _shards[i].RunStepAsync(command);
        }

        var answers = await Task.WhenAll(tasks);
        var summaries = new BarrierSummary[_shardsOfSite.Length];
        for (int s = 0, first = 0; s < summaries.Length; first += _shardsOfSite[s], s++)
        {
            summaries[s] = _merger.Merge(new ArraySegment<BarrierSummary>(answers, first, _shardsOfSite[s]), _shardsOfSite[s]);
        }

        return new SiloStepAnswer(_sites, summaries, Stopwatch.GetElapsedTime(arrived).TotalSeconds);
    }

    private void Flatten()
    {
        _sites = [.. _bySite.Keys];
        _shards = [.. _bySite.Values.SelectMany(g => g)];
        _shardsOfSite = [.. _bySite.Values.Select(g => g.Length)];
    }
}
