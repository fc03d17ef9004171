using Orleans.Concurrency;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Abstractions.Grains;

/// <summary>One GPU server: holds its generation and faults and computes its own step times.</summary>
[Alias("INodeGrain")]
public interface INodeGrain : IGrainWithStringKey
{
    /// <summary>Compute times for consecutive steps under the node's current faults.</summary>
    [Alias("Compute")]
    Task<NodeBatch> ComputeAsync(NodeBatchRequest request);

    /// <summary>
    /// Sets what the active faults do to the node in run <paramref name="epoch"/> (a fault belongs to a run:
    /// a later scenario load starts healthy); takes effect at the block's next step.
    /// </summary>
    [Alias("SetEffect")]
    Task SetEffectAsync(long epoch, NodeEffect effect);

    [AlwaysInterleave, Alias("GetStatus")]
    ValueTask<NodeStatus> GetStatusAsync();
}
