using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Barrier;

/// <summary>
/// The block's evicted nodes across a new layout of the same run: kept by an activation that stays, carried as
/// migration state by one that moves to its new coordinator's silo, and, for one activated afresh (its silo left),
/// handed back by the job in <c>BlockConfig.Evicted</c>.
/// </summary>
public sealed partial class BlockGrain : IGrainMigrationParticipant
{
    private const string EvictedKey = "evicted";
    private const string RunKey = "run";

    // The nodes an activation that moved here had evicted, and the run ({scenario}/{block}) it had them in.
    private (string Run, string[] Nodes)? _carried;

    // The nodes this block had evicted in the run that config goes on with: this activation's own, or those an
    // activation that moved here carried.
    private string[] Evicted(BlockConfig config)
    {
        var run = Run(config);
        if (_config is { } previous && Run(previous) == run)
        {
            return _specs.Where((_, i) => _evicted[i]).Select(s => s.Node).ToArray();
        }

        return _carried is { } carried && carried.Run == run ? carried.Nodes : [];
    }

    private static string Run(BlockConfig config) => $"{config.Scenario}/{config.Block}";

    public void OnDehydrate(IDehydrationContext dehydrationContext)
    {
        ArgumentNullException.ThrowIfNull(dehydrationContext);
        if (_config is { } config)
        {
            dehydrationContext.TryAddValue(RunKey, Run(config));
            dehydrationContext.TryAddValue(EvictedKey, _specs.Where((_, i) => _evicted[i]).Select(s => s.Node).ToArray());
        }
        else if (_carried is { } carried) // moved on again before it was configured: the set goes along
        {
            dehydrationContext.TryAddValue(RunKey, carried.Run);
            dehydrationContext.TryAddValue(EvictedKey, carried.Nodes);
        }
    }

    public void OnRehydrate(IRehydrationContext rehydrationContext)
    {
        ArgumentNullException.ThrowIfNull(rehydrationContext);
        if (rehydrationContext.TryGetValue(RunKey, out string? run) && run is not null && rehydrationContext.TryGetValue(EvictedKey, out string[]? nodes) && nodes is not null)
        {
            _carried = (run, nodes);
        }
    }
}
