using Orleans.Placement;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Links;

/// <summary>
/// One inter-site link: computes its latency and effective bandwidth at each step from the model. Its fault
/// effect is pushed by the fault registry under the run's epoch, with the same rules as a node's: an effect meant
/// for an earlier run is ignored (a registry that reactivates pushes under the epoch it last stored, which a
/// failover may have moved past), and one that arrives before the link is configured for its run is kept until
/// that run's configuration arrives. It is activated beside the grain that first calls it, normally the job
/// configuring it, so the job's call for its figures every step stays on the job's silo (a link the registry touched
/// first, or one whose job has since moved to another silo, stays where it is, and those calls cross).
/// </summary>
[Immovable] // Orleans must not move it, nor try to when a silo stops: docs/cluster.md
[PreferLocalPlacement]
public sealed class LinkGrain : Grain, ILinkGrain
{
    private LinkConfig? _config;
    private LinkSpec? _spec;
    private ulong _stream;
    private LinkEffect _effect = LinkEffect.None;
    private long _effectEpoch;

    public Task ConfigureAsync(LinkConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);

        // A new run starts from a nominal link, unless the registry already set the effect for that run.
        if (_effectEpoch != config.Epoch)
        {
            _effect = LinkEffect.None;
        }

        _config = config;
        _spec = new LinkSpec(config.Link, config.From, config.To, config.DistanceKm, config.RouteFactor, config.EquipmentLatencySeconds, config.BandwidthBytesPerSecond);
        _stream = SeededNoise.StreamKey(config.Link);
        return Task.CompletedTask;
    }

    public Task<LinkState> GetFiguresAsync(long stepNumber)
    {
        if (_config is null || _spec is null)
        {
            throw new InvalidOperationException($"link {this.GetPrimaryKeyString()} is not configured");
        }

        return Task.FromResult(LinkModel.At(_spec, _effect, _config.Seed, _stream, stepNumber, _config.JitterSeconds));
    }

    public Task SetEffectAsync(long epoch, LinkEffect effect)
    {
        if (_config is not null && epoch < _config.Epoch)
        {
            return Task.CompletedTask; // meant for a run that is over
        }

        _effect = effect;
        _effectEpoch = epoch;
        return Task.CompletedTask;
    }
}
