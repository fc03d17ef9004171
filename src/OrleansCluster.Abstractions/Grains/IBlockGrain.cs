using Orleans.Concurrency;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Abstractions.Grains;

/// <summary>
/// The lowest barrier coordinator: a few hundred nodes of one site. It asks each node grain for its compute
/// times a batch of steps ahead, reduces them every step, and passes a small summary up.
/// </summary>
[Alias("IBlockGrain")]
public interface IBlockGrain : IGrainWithStringKey
{
    [Alias("Configure")]
    Task ConfigureAsync(BlockConfig config);

    [Alias("RunStep")]
    Task<BarrierSummary> RunStepAsync(StepCommand command);

    /// <summary>
    /// A node's fault state changed (to <paramref name="version"/>): its batched times are stale from the next
    /// step on. One-way, so that a node never waits on its block while the block may be waiting on it.
    /// </summary>
    [OneWay, Alias("NodeChanged")]
    Task NodeChangedAsync(string node, int version);
}
