using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Grains.Links;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Faults;

/// <summary>The registry's fan-out: each changed effect to the grain that acts on it.</summary>
public sealed partial class FaultRegistryGrain
{
    // Tells the grains. A push that failed (its grain lost with a silo, say) must neither fail the caller (the
    // registry's activation included: a registry that cannot activate wedges every fault route) nor be taken as
    // done: the next pass, a second later, makes it again.
    private async Task PushAsync(IReadOnlyList<PushedEffects.Push> pushes)
    {
        var epoch = _store.State.Epoch;
        var calls = pushes.Select(p => Push(epoch, p)).ToArray();
        try
        {
            await Task.WhenAll(calls);
        }
        catch (Exception) when (calls.Any(c => c.IsFaulted))
        {
            for (var i = 0; i < calls.Length; i++)
            {
                if (calls[i].IsFaulted)
                {
                    _pushed.Failed(pushes[i]);
                    LogPushFailed(logger, pushes[i].Target, calls[i].Exception!.GetBaseException().Message);
                }
            }
        }
    }

    // A node's effect goes to its block, which draws the node or has its grain draw it; a link's to the link.
    private Task Push(long epoch, PushedEffects.Push push)
    {
        if (!push.IsNode)
        {
            return GrainFactory.GetGrain<ILinkGrain>(push.Target).SetEffectAsync(epoch, push.Link!.Value);
        }

        // The run's block size as the job laid it out; this silo's setting for state written before it was kept.
        var blockSize = _store.State.BlockSize > 0 ? _store.State.BlockSize : tuning.Value.BlockSize;
        return ClusterLayout.BlockOf(push.Target, blockSize) is { } block
            ? GrainFactory.GetGrain<IBlockGrain>(block).SetNodeEffectAsync(epoch, push.Target, push.Node!)
            : Task.FromException(new ArgumentException($"'{push.Target}' is not a node id", nameof(push)));
    }
}
