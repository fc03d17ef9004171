using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Links;

/// <summary>One inter-site link: computes its latency and effective bandwidth at each step from the model.</summary>
public sealed class LinkGrain : Grain, ILinkGrain
{
    private LinkConfig? _config;
    private LinkSpec? _spec;
    private ulong _stream;
    private LinkEffect _effect = LinkEffect.None;

    public Task ConfigureAsync(LinkConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (_config is not null && _config.Epoch != config.Epoch)
        {
            _effect = LinkEffect.None;
        }

        _config = config;
        _spec = new LinkSpec(config.Link, config.From, config.To, config.DistanceKm, config.RouteFactor, config.EquipmentLatencySeconds, config.BandwidthBytesPerSecond);
        _stream = SeededNoise.StreamKey(config.Link);
        return Task.CompletedTask;
    }

    public Task<LinkFigures> GetFiguresAsync(long stepNumber)
    {
        if (_config is null || _spec is null)
        {
            throw new InvalidOperationException($"link {this.GetPrimaryKeyString()} is not configured");
        }

        var state = LinkModel.At(_spec, _effect, _config.Seed, _stream, stepNumber, _config.JitterSeconds);
        return Task.FromResult(new LinkFigures(state.LinkId, state.Up, state.LatencySeconds, state.BandwidthBytesPerSecond, state.PacketLossRatio, state.NominalLatencySeconds, state.NominalBandwidthBytesPerSecond));
    }

    public Task SetEffectAsync(long epoch, LinkFaultEffect effect)
    {
        ArgumentNullException.ThrowIfNull(effect);
        if (_config is null || epoch != _config.Epoch)
        {
            throw new InvalidOperationException($"link {this.GetPrimaryKeyString()} runs epoch {_config?.Epoch}, not {epoch}");
        }

        _effect = new LinkEffect(effect.ExtraLatencySeconds, effect.ExtraJitterSeconds, effect.BandwidthRatio, effect.PacketLossRatio, effect.Up);
        return Task.CompletedTask;
    }
}
