using Orleans.Runtime.Placement;

namespace OrleansCluster.Grains.Barrier;

/// <summary>
/// Puts a grain keyed by a silo's address on that silo. A key naming no silo that can host the grain (the silo has
/// left the cluster since the job laid its tree out) fails the activation, and so the call: the job then lays the
/// tree out again over the silos that are there, rather than have a coordinator step its shards from afar.
/// </summary>
public sealed class SiloPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var key = target.GrainIdentity.Key.ToString();
        var wanted = SiloAddress.FromParsableString(key); // keys are written by the job, from the silos it lays out over
        return Array.IndexOf(context.GetCompatibleSilos(target), wanted) >= 0
            ? Task.FromResult(wanted)
            : throw new InvalidOperationException($"silo {key} cannot host {target.GrainIdentity}: it is not in the cluster");
    }
}
