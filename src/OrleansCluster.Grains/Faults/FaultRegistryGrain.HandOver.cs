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
    private const string WriterKey = "writer";
    private const string KnownKey = "known";
    private const string ReadAgainKey = "read-again";
    private const string DrainingKey = "draining";

    // How long a hand-over waits on its writes before the registry goes without them.
    private static readonly TimeSpan HandOverWrite = TimeSpan.FromSeconds(2);

    private bool _handedOver; // this activation took the registry over from another that migrated it here
    private readonly HashSet<string> _draining = new(StringComparer.Ordinal); // the silos announced leaving (each restart is a new address)
    private bool _readAgain; // ... whose records in memory may not be storage's: read back at activation

    public Task HandOverAsync(string silo)
    {
        // Not while a write's outcome is unknown: memory holds the record as before it, which storage may not; the next
        // activation reads it back instead, as after any deactivation.
        ArgumentNullException.ThrowIfNull(silo);
        _draining.Add(silo);
        var here = GrainContext.Address.SiloAddress;
        if (silo != here?.ToString() || _store.Unsettled || _settling is not null)
        {
            return Task.CompletedTask;
        }

        // Found by review: any other active silo was taken, one stopping too among them (two silos stopped together),
        // where the migration would fail and nothing be written. Every silo's drain comes here (SiloDrain), as it goes to
        // the job: those announced are not taken.
        var target = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active && !m.SiloAddress.Equals(here) && !_draining.Contains(m.SiloAddress.ToString()))
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

    // The records as the hand-over leaves them. Found by review: nothing was written here, and a migration that then
    // failed (Orleans only unregisters the activation) lost an expiry's or the history's write that the deactivation
    // made before. Where storage looks healthy they are written here still, for at most HandOverWrite and whatever
    // comes of it (a write that fails would keep Orleans from migrating the grain), so that the fresh ETags go along.
    private async Task HandOverRecordsAsync(CancellationToken cancellationToken)
    {
        _store.Carry(_memory.Book.Faults);
        if (_store.Unsettled || _settling is not null || _store.Unwritten is not null)
        {
            return;
        }

        try
        {
            await WriteOnHandOverAsync(cancellationToken).WaitAsync(HandOverWrite, cancellationToken);
        }
        catch (Exception e)
        {
            LogHandOverWriteFailed(logger, e.GetBaseException().GetType().Name, e.GetBaseException().Message);
        }
    }

    private async Task WriteOnHandOverAsync(CancellationToken cancellationToken)
    {
        if (_store.LiveDirty)
        {
            await SaveExpiriesAsync();
        }

        await WriteHistoryAsync(cancellationToken);
    }

    // Found by review: the check for a write's unknown outcome was made only when the drain arrived, and a mutation whose
    // write became unsettled after it still migrated, memory's records (as before the change) going along as storage's.
    // Such records are marked to be read back by the next activation, as after any deactivation. The writer goes along
    // (found by review: it did not, and the old activation's write that storage ran late was taken for a later writer's).
    public void OnDehydrate(IDehydrationContext dehydrationContext)
    {
        ArgumentNullException.ThrowIfNull(dehydrationContext);
        dehydrationContext.TryAddValue(HandedOverKey, true);
        dehydrationContext.TryAddValue(WriterKey, _store.Writer);
        dehydrationContext.TryAddValue(KnownKey, _store.Known);
        dehydrationContext.TryAddValue(DrainingKey, _draining.ToArray());
        if (_store.Unsettled || _settling is not null)
        {
            dehydrationContext.TryAddValue(ReadAgainKey, true);
        }
    }

    public void OnRehydrate(IRehydrationContext rehydrationContext)
    {
        ArgumentNullException.ThrowIfNull(rehydrationContext);
        if (rehydrationContext.TryGetValue(WriterKey, out Guid writer) && rehydrationContext.TryGetValue(KnownKey, out long known))
        {
            _store.Continue(writer, known);
        }

        if (rehydrationContext.TryGetValue(DrainingKey, out string[]? draining) && draining is not null)
        {
            _draining.UnionWith(draining);
        }

        _readAgain = rehydrationContext.TryGetValue(ReadAgainKey, out bool readAgain) && readAgain;
        if (!_readAgain && rehydrationContext.TryGetValue(HandedOverKey, out bool handedOver) && handedOver)
        {
            // Whether the other activation had written them is not carried: both are written again behind.
            _handedOver = true;
            _store.LiveChanged();
            _store.HistoryChanged();
        }
    }
}
