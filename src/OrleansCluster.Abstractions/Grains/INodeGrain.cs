using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Abstractions.Grains;

/// <summary>
/// One GPU server while a fault holds it: its block asks it for its compute times, a batch of steps at a time,
/// under the effect the block was told. A node at rest is drawn by its block and has no activation.
/// </summary>
[Alias("INodeGrain")]
public interface INodeGrain : IGrainWithStringKey
{
    /// <summary>Compute times for consecutive steps under the effect of the request.</summary>
    [Alias("Compute")]
    Task<NodeBatch> ComputeAsync(NodeBatchRequest request);
}
