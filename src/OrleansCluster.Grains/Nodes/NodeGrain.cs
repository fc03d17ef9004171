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
/// a time under that effect, until the effect is none again. Its block is its only caller, so it is placed beside
/// its block; the effect comes with every request, so nothing is lost if the activation is collected.
/// </summary>
[Immovable] // Orleans must not move it, nor try to when a silo stops: docs/cluster.md
[PreferLocalPlacement]
public sealed class NodeGrain : Grain, INodeGrain
{
    private ulong? _stream;

    public Task<NodeBatch> ComputeAsync(NodeBatchRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var spec = request.Spec;
        var stream = _stream ??= SeededNoise.StreamKey(this.GetPrimaryKeyString());
        var times = new double[request.Count];
        if (request.Effect.Crashed)
        {
            Array.Fill(times, double.PositiveInfinity);
        }
        else
        {
            var draws = new ComputeDraws(spec.ComputeCv, spec.OutlierProbability, spec.OutlierFactor);
            for (var i = 0; i < times.Length; i++)
            {
                times[i] = draws.Seconds(spec.NominalComputeSeconds, request.Effect.Slowdown, spec.Seed, stream, request.FromStep + i);
            }
        }

        return Task.FromResult(new NodeBatch(times));
    }
}
