using Orleans.Placement;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Nodes;

/// <summary>
/// One GPU server while a fault holds it. A node's times depend only on the seed, the step and its faults, so
/// while it has none its block draws them itself, with the same function (<see cref="ComputeDraws"/>), and this
/// grain is never activated: a million nodes at rest are a million block columns, not a million activations. Once
/// the registry tells the block a node's effect, the block asks the node's grain for its times a batch of steps at
/// a time under that effect, until the effect is none again. The block is the first to call it, so it is placed
/// beside its block; the effect comes with every request, so nothing is lost if the activation is collected.
/// </summary>
[PreferLocalPlacement]
public sealed class NodeGrain : Grain, INodeGrain
{
    private NodeSpec? _spec;
    private ulong _stream;
    private NodeEffect _effect = NodeEffect.None;
    private long _batches;

    public Task<NodeBatch> ComputeAsync(NodeBatchRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var spec = request.Spec;
        if (_spec?.Node != spec.Node)
        {
            _stream = SeededNoise.StreamKey(spec.Node);
        }

        _spec = spec;
        _effect = request.Effect;
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
        return Task.FromResult(new NodeBatch(times));
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
}
