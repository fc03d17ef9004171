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
    private const string KnownKey = "known";
    private const string DrainsKey = "drains";
    private const string ReadAgainKey = "read-again";

    private bool _handedOver; // this activation took the job over from another that migrated it here
    private bool _readAgain; // ... whose record in memory may not be storage's: read back before anything (OnActivateAsync)

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

    // The record as the hand-over leaves it: clean, with the evicted nodes. Found by review: with nothing written here,
    // a migration that then failed (Orleans only unregisters the activation) lost the steps since the last write, which
    // the deactivation wrote before the hand-over. Where storage looks healthy the record is written here still, for at
    // most HandOverWrite and whatever comes of it (a write that fails would keep Orleans from migrating the grain), so
    // that the fresh ETag goes along; otherwise, and where that write does not land, storage catches up from the next
    // activation (JobWrites.Continue). The sequence is not advanced without a write (found by review: the next
    // activation took the old one's late write for storage gone back in time).
    private async Task HandOverRecordAsync(CancellationToken cancellationToken)
    {
        Job.Clean = true;
        Job.EvictedNodes = _evicted.ToWrite(Job, _loaded?.Layout);
        if (!_writes.Healthy)
        {
            return;
        }

        try
        {
            await SaveAsync(clean: true).WaitAsync(HandOverWrite, cancellationToken);
        }
        catch (Exception e)
        {
            LogHandOverWriteFailed(logger, e.GetBaseException().GetType().Name, e.GetBaseException().Message);
        }
    }

    // How long a hand-over waits on its write before the job goes without it.
    private static readonly TimeSpan HandOverWrite = TimeSpan.FromSeconds(2);

    // Found by review: the check for a write's unknown outcome was made only when the drain arrived, and a control call
    // whose write became unsettled after it still migrated, memory's record (as before the change) going along as
    // storage's. Such a record (or one another activation wrote since) is marked to be read back by the next activation
    // before it steps or answers, as after any deactivation; the writer goes along only where this one was the writer.
    public void OnDehydrate(IDehydrationContext dehydrationContext)
    {
        ArgumentNullException.ThrowIfNull(dehydrationContext);
        if (!_writes.Superseded)
        {
            dehydrationContext.TryAddValue(WriterKey, _writes.Writer);
            dehydrationContext.TryAddValue(KnownKey, _writes.Known);
        }

        if (_writes.Superseded || _writes.Unsettled is not null)
        {
            dehydrationContext.TryAddValue(ReadAgainKey, true);
        }

        dehydrationContext.TryAddValue(DrainsKey, _leaving.Drains);
    }

    public void OnRehydrate(IRehydrationContext rehydrationContext)
    {
        ArgumentNullException.ThrowIfNull(rehydrationContext);
        _readAgain = rehydrationContext.TryGetValue(ReadAgainKey, out bool readAgain) && readAgain;
        if (rehydrationContext.TryGetValue(WriterKey, out Guid writer) && rehydrationContext.TryGetValue(KnownKey, out long known))
        {
            _writes.Continue(writer, known);
            _handedOver = !_readAgain;
        }

        if (rehydrationContext.TryGetValue(DrainsKey, out Dictionary<string, DateTimeOffset>? drains) && drains is not null)
        {
            _leaving.Restore(drains);
        }
    }
}
