using Microsoft.Extensions.Options;
using Orleans.Placement;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Nodes;

/// <summary>
/// One GPU server: the authority on its faults, and the source of its compute times while a fault holds it. Its
/// times depend only on the seed, the step and its faults, so while it has none its block draws them itself, with
/// the same function (<see cref="ComputeDraws"/>), and this grain is not activated at all: a million nodes at rest
/// are a million block columns, not a million activations. Told an effect, it tells its block (one-way; the node id
/// names the block), which from then on asks it for a batch of steps at a time, until it answers with no effect.
/// Placed beside the block that first calls it.
/// </summary>
[PreferLocalPlacement]
public sealed class NodeGrain(IOptions<SimulationTuning> tuning) : Grain, INodeGrain
{
    private NodeSpec? _spec;
    private ulong _stream;
    private NodeEffect _effect = NodeEffect.None;
    private long _effectEpoch;
    private int _version;
    private long _batches;

    public Task<NodeBatch> ComputeAsync(NodeBatchRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Adopt(request.Spec);
        var spec = request.Spec;
        var times = new double[request.Count];
        if (_effect.Crashed)
        {
            Array.Fill(times, double.PositiveInfinity);
        }
        else
        {
            var draws = new ComputeDraws(spec.ComputeCv, spec.OutlierProbability, spec.OutlierFactor);
            for (var i = 0; i < times.Length; i++)
            {
                times[i] = draws.Seconds(spec.NominalComputeSeconds, _effect.Slowdown, spec.Seed, _stream, request.FromStep + i);
            }
        }

        _batches++;
        return Task.FromResult(new NodeBatch(_version, _effect.Health, times, _effect));
    }

    public Task SetEffectAsync(long epoch, NodeEffect effect)
    {
        ArgumentNullException.ThrowIfNull(effect);
        if (_spec is not null && epoch < _spec.Epoch)
        {
            return Task.CompletedTask; // meant for a run that is over
        }

        _effect = effect;
        _effectEpoch = epoch;
        _version++;
        var node = this.GetPrimaryKeyString();
        var block = ClusterLayout.BlockOf(node, tuning.Value.BlockSize) ?? _spec?.Block;
        return block is null ? Task.CompletedTask : GrainFactory.GetGrain<IBlockGrain>(block).NodeChangedAsync(node, _version);
    }

    public ValueTask<NodeStatus> GetStatusAsync() =>
        ValueTask.FromResult(new NodeStatus(
            this.GetPrimaryKeyString(),
            _spec?.Site,
            _spec?.Generation,
            _effect.Health,
            _effect,
            _spec?.NominalComputeSeconds ?? 0,
            _batches));

    private void Adopt(NodeSpec spec)
    {
        if (_spec is not null && _spec.Epoch == spec.Epoch)
        {
            return;
        }

        // A new run starts from a healthy node, unless the effect was set for that run already.
        if (_effectEpoch != spec.Epoch)
        {
            _effect = NodeEffect.None;
        }

        _spec = spec;
        _stream = SeededNoise.StreamKey(spec.Node);
    }
}
