using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Links;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Faults;

/// <summary>The registry's fan-out: each changed effect to the grain that acts on it.</summary>
public sealed partial class FaultRegistryGrain
{
    // Tells the grains: each link its effect, each block in one call the effects of its nodes that changed (a fault
    // on a site of 100,000 nodes is some 200 calls, not 100,000). A push that failed (its grain lost with a silo, say)
    // must neither fail the caller (the registry's activation included: a registry that cannot activate wedges every
    // fault route) nor be taken as done: the next pass, a second later, makes it again.
    private async Task PushAsync(IReadOnlyList<PushedEffects.Push> pushes)
    {
        var epoch = _store.State.Epoch;
        var calls = new List<(Task Call, PushedEffects.Push[] Pushes)>();
        foreach (var link in pushes.Where(p => !p.IsNode))
        {
            calls.Add((GrainFactory.GetGrain<ILinkGrain>(link.Target).SetEffectAsync(epoch, link.Link!.Value), [link]));
        }

        // The run's block size as the job laid it out; this silo's setting for state written before it was kept.
        var blockSize = _store.State.BlockSize > 0 ? _store.State.BlockSize : tuning.Value.BlockSize;
        foreach (var block in pushes.Where(p => p.IsNode).GroupBy(p => ClusterLayout.BlockOf(p.Target, blockSize) ?? string.Empty, StringComparer.Ordinal))
        {
            var changes = block.Select(p => new NodeEffectChange(p.Target, p.Node!, p.RemappedRows)).ToArray();
            calls.Add((block.Key.Length == 0
                ? Task.FromException(new ArgumentException($"not node ids: {string.Join(", ", changes.Select(c => c.Node))}", nameof(pushes)))
                : GrainFactory.GetGrain<IBlockGrain>(block.Key).SetNodeEffectsAsync(epoch, changes), block.ToArray()));
        }

        try
        {
            await Task.WhenAll(calls.Select(c => c.Call));
        }
        catch (Exception) when (calls.Any(c => c.Call.IsFaulted))
        {
            foreach (var (call, failed) in calls.Where(c => c.Call.IsFaulted))
            {
                foreach (var push in failed)
                {
                    _memory.Failed(push);
                }

                var targets = failed.Length == 1 ? failed[0].Target : $"{failed[0].Target} and {failed.Length - 1} more";
                LogPushFailed(logger, targets, call.Exception!.GetBaseException().Message);
            }
        }
    }
}
