using OrleansCluster.Grains;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Silo.Simulation;

/// <summary>The running scenario's layout (node ids, sites, generations), rebuilt when the job starts a new run.</summary>
public sealed class LayoutCache(IGrainFactory grains) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (long Epoch, ClusterLayout Layout)? _cached;
    private volatile Tuple<long, Scenario>? _scenario; // the scenario alone, for readers that need no node list

    /// <summary>
    /// The job's scenario without its layout, or null before any scenario is loaded: what a scrape needs (its links),
    /// without building a million nodes' ids on the first scrape after a load (found by review).
    /// </summary>
    public async Task<Scenario?> GetScenarioAsync()
    {
        var (source, epoch) = await grains.GetGrain<IJobGrain>(IJobGrain.Key).GetScenarioSourceAsync();
        if (source is null)
        {
            return null;
        }

        if (_cached is { } layout && layout.Epoch == epoch)
        {
            return layout.Layout.Scenario;
        }

        if (_scenario is { } hit && hit.Item1 == epoch)
        {
            return hit.Item2;
        }

        var scenario = ScenarioResolver.Resolve(source);
        _scenario = Tuple.Create(epoch, scenario);
        return scenario;
    }

    /// <summary>The layout of the job's scenario, or null before any scenario is loaded.</summary>
    public async Task<ClusterLayout?> GetAsync(CancellationToken cancellationToken)
    {
        var (source, epoch) = await grains.GetGrain<IJobGrain>(IJobGrain.Key).GetScenarioSourceAsync();
        if (source is null)
        {
            return null;
        }

        if (_cached is { } hit && hit.Epoch == epoch)
        {
            return hit.Layout;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_cached is not { } again || again.Epoch != epoch)
            {
                _cached = (epoch, new ClusterLayout(ScenarioResolver.Resolve(source)));
            }

            return _cached.Value.Layout;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
