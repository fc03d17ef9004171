using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Abstractions.Grains;

/// <summary>
/// The lowest barrier coordinator: a few hundred nodes of one site. It draws its nodes' compute times a batch of
/// steps ahead (a node's grain draws them while a fault holds the node), reduces them every step, and passes a
/// small summary up.
/// </summary>
[Alias("IBlockGrain")]
public interface IBlockGrain : IGrainWithStringKey
{
    /// <summary>
    /// Configures the block for a run. False, and nothing configured, when this activation is on another silo than
    /// its coordinator's: it migrates there, and the caller calls again.
    /// </summary>
    [Alias("Configure")]
    Task<bool> ConfigureAsync(BlockConfig config);

    [Alias("RunStep")]
    Task<BarrierSummary> RunStepAsync(StepCommand command);

    /// <summary>
    /// What the faults in force do to some of the block's nodes in run <paramref name="epoch"/> (the fault registry
    /// tells each block, in one call, of its nodes whose effect changed); takes effect at the block's next step. An
    /// earlier run's effects are ignored; a block not configured for the run (lost with its silo) drops them and
    /// deactivates: the job lays the tree out again at its next step, and the registry then tells every effect anew.
    /// </summary>
    [Alias("SetNodeEffects")]
    Task SetNodeEffectsAsync(long epoch, IReadOnlyList<NodeEffectChange> changes);
}
