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
