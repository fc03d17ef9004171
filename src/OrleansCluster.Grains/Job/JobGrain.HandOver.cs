using Orleans.Runtime.Placement;

namespace OrleansCluster.Grains.Job;

/// <summary>
/// The job handed over to a silo that stays when its own silo drains: Orleans migrates the activation, and the record
/// goes along in memory with the storage's ETag (Orleans' <c>IPersistentState</c> is a migration participant), marked
/// clean, so that the next activation neither reads storage nor counts a lost step. Found by probing: a silo stopped
/// gracefully while Redis was paused and while it hosted the job saved the record on deactivation (which failed against
/// the paused Redis) and the next activation waited to read it back, so the cluster did not step until Redis returned.
/// The write the hand-over did not make is owed (written by the next activation's loop, retried each second), and the
/// drains announced go along, so that the next activation does not lay the tree out over the silo leaving. A part of
/// the grain (it deactivates the grain and carries its state).
/// </summary>
public sealed partial class JobGrain : IGrainMigrationParticipant
{
    private const string WriterKey = "writer";
    private const string DrainsKey = "drains";

    private bool _handedOver; // this activation took the job over from another that migrated it here

    // Migrates the job to a silo that stays, the drained one being this activation's own: no hand-over while a control
    // call's write is unsettled (the record in memory is as before that change, which storage may hold: the next
    // activation reads it back instead) or once another activation wrote the record, nor with no silo to go to.
    private void HandOver()
    {
        if (_writes.Unsettled is not null || _writes.Superseded || ActiveSilos().Silos.FirstOrDefault() is not { } target)
        {
            return;
        }

        RequestContext.Set(IPlacementDirector.PlacementHintKey, target);
        this.MigrateOnIdle();
        RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        LogHandingOver(logger, target);
    }

    // The record as the hand-over leaves it, in memory only: clean, with the evicted nodes; storage catches up from the
    // next activation (JobWrites.Continue).
    private void HandOverRecord()
    {
        _writes.Stamp(Job, clean: true);
        Job.EvictedNodes = _evicted.Ordinals(_loaded?.Layout);
    }

    public void OnDehydrate(IDehydrationContext dehydrationContext)
    {
        ArgumentNullException.ThrowIfNull(dehydrationContext);
        dehydrationContext.TryAddValue(WriterKey, _writes.Writer);
        dehydrationContext.TryAddValue(DrainsKey, _leaving.Drains);
    }

    public void OnRehydrate(IRehydrationContext rehydrationContext)
    {
        ArgumentNullException.ThrowIfNull(rehydrationContext);
        if (rehydrationContext.TryGetValue(WriterKey, out Guid writer))
        {
            _writes.Continue(writer);
            _handedOver = true;
        }

        if (rehydrationContext.TryGetValue(DrainsKey, out Dictionary<string, DateTimeOffset>? drains) && drains is not null)
        {
            _leaving.Restore(drains);
        }
    }
}
