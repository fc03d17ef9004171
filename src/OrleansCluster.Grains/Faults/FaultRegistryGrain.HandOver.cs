using Orleans.Runtime.Placement;

namespace OrleansCluster.Grains.Faults;

/// <summary>
/// The registry handed over to a silo that stays when its own silo drains: Orleans migrates the activation, and both
/// records go along in memory with their ETags (Orleans' <c>IPersistentState</c> is a migration participant), so that
/// the next activation neither reads storage nor waits on a write before it answers. Found by probing: a silo stopped
/// gracefully while Redis was paused and while it hosted the registry wrote on deactivation (which failed against the
/// paused Redis) and the next activation waited to read the faults back, so the job could not lay its tree out until
/// Redis returned. What the hand-over did not write is owed, written behind by the next activation's timers as an
/// expiry's write is. A part of the grain (it deactivates the grain and carries its state).
/// </summary>
public sealed partial class FaultRegistryGrain : IGrainMigrationParticipant
{
    private const string HandedOverKey = "handed-over";

    private bool _handedOver; // this activation took the registry over from another that migrated it here

    public Task HandOverAsync(string silo)
    {
        // Not while a write's outcome is unknown: memory holds the record as before it, which storage may not; the next
        // activation reads it back instead, as after any deactivation.
        var here = GrainContext.Address.SiloAddress;
        if (silo != here?.ToString() || _store.Unsettled || _settling is not null)
        {
            return Task.CompletedTask;
        }

        var target = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active && !m.SiloAddress.Equals(here))
            .Select(m => m.SiloAddress).Order().FirstOrDefault();
        if (target is null)
        {
            return Task.CompletedTask; // nowhere to go: the deactivation writes, as before
        }

        RequestContext.Set(IPlacementDirector.PlacementHintKey, target);
        this.MigrateOnIdle();
        RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        LogHandingOver(logger, target);
        return Task.CompletedTask;
    }

    public void OnDehydrate(IDehydrationContext dehydrationContext)
    {
        ArgumentNullException.ThrowIfNull(dehydrationContext);
        dehydrationContext.TryAddValue(HandedOverKey, true);
    }

    public void OnRehydrate(IRehydrationContext rehydrationContext)
    {
        ArgumentNullException.ThrowIfNull(rehydrationContext);
        if (rehydrationContext.TryGetValue(HandedOverKey, out bool handedOver) && handedOver)
        {
            // Whether the other activation had written them is not carried: both are written again behind.
            _handedOver = true;
            _store.LiveChanged();
            _store.HistoryChanged();
        }
    }
}
