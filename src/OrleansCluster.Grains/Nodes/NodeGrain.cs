using Orleans.Placement;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Nodes;

/// <summary>
/// One GPU server. It computes its own compute times from the model, a batch of steps at a time: they
/// depend only on the seed, the step and its faults, so answering ahead is exact until a fault changes, and
/// then it tells its block (one-way) that the batch is stale. Placed beside the block that first calls it.
/// </summary>
[PreferLocalPlacement]
public sealed class NodeGrain : Grain, INodeGrain
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
        if (_spec is not null)
        {
            return GrainFactory.GetGrain<IBlockGrain>(_spec.Block).NodeChangedAsync(_spec.Node, _version);
        }

        return Task.CompletedTask;
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
