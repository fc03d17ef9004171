using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Faults;

/// <summary>
/// The registry taking its live record in as storage holds it: at activation, and after a write whose outcome was
/// unknown, read back before any call but the health (and the same run's layout) is answered. A part of the grain (the
/// record is its own state in <see cref="FaultStore"/>).
/// </summary>
public sealed partial class FaultRegistryGrain
{
    // Takes the faults in from the live record as storage holds it: at activation, and when a write whose outcome was
    // unknown turns out to have landed (SettleAsync).
    private async Task RestoreAsync(bool writeBehind = false)
    {
        if (_store.State.Scenario is { } scenario && Resolve(scenario) is { } resolved)
        {
            // Back after a deactivation or a silo's death: rebuild the layout and push every effect again.
            var layout = new ClusterLayout(resolved);
            if (_store.RecoverJournal(f => FaultIntake.Restore(f, layout).Fault ?? f))
            {
                HistoryWriteWithin(HistorySchedule.Delay); // ends the live record holds and the history lost
            }

            foreach (var restored in _memory.Restore(layout, _store.State.Faults, _store.History))
            {
                if (restored.Clamped is { } clamp)
                {
                    LogClamped(logger, restored.Id, clamp.Stored, clamp.Held);
                }

                if (restored.Problems is { } problems)
                {
                    LogUnresolved(logger, restored.Id, problems);
                }

                if (restored.EndedAlready is { } ended)
                {
                    // Its rows were the live faults' in the record, which still holds it: they join the tally (written
                    // with the live faults below), as its end's own write would have made them.
                    var end = _store.History.LastOrDefault(f => f.Id == ended.Id)?.EndsAt ?? ended.EndsAt;
                    _store.Tally(ended with { EndsAt = end }); // its nodes as resolved again, its end as the history has it
                }

                if (restored.Rewrite)
                {
                    _store.LiveChanged();
                }
            }

            await ApplyAsync(changed: null, writeBehind); // every target told its effect again (FaultRegistryMemory.Restore)
        }
    }

    // Found by probing: a change whose write timed out (a paused Redis) was undone here and landed later, and every read
    // answered for minutes that it was not made. A write whose outcome is unknown is read back before its call answers
    // (CommitAsync); where that read fails too, no call but the health is served until a read back succeeds, so that
    // nothing is answered from a memory that may differ from storage. A run's start reads back itself: the same run
    // laid out again answers nothing and is not held (its faults are told again once the read back takes the record in);
    // the epoch is memory's, what the registry pushes under, which the job compares with its layout.
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        // Found by review: the grain's own timer ticks pass through this filter too; a read back that failed here threw
        // before OnTimerAsync, whose catch re-arms the one-shot timer, and expiries and retried writes stopped until a
        // call came. The timer settles for itself. And a call waits out a settle in flight, not only an unsettled record:
        // the record is settled before the settle has taken it in, and a mutation let in between wrote over it.
        if ((_store.Unsettled || _settling is not null)
            && context.InterfaceMethod?.DeclaringType == typeof(IFaultRegistryGrain)
            && context.ImplementationMethod?.Name is not (nameof(HealthAsync) or nameof(RunStartedAsync) or nameof(EpochAsync) or nameof(HandOverAsync)))
        {
            await SettleAsync();
        }

        await context.Invoke();
    }

    // Reads the live record back after a write whose outcome was unknown. One that landed is taken in as storage holds
    // it, as an activation does: the faults it made join the book, those it ended leave it for the history (from the
    // record's journal), a new run is laid out, and every target is told the effect of the faults stored. Throws
    // WriteUnsettledException while storage cannot be read.
    // Found by review (fix-epoch-check): the reads interleave (AlwaysInterleave), and each settled on its own: two reads
    // arriving while the record was unsettled read it back twice and restored twice, and one arriving while the same
    // run's layout (let through the filter) pushed its faults restored over that pass, two passes over one memory. One
    // settle is in flight at a time, which later callers wait on, and it waits out a pass in flight (PassesDoneAsync)
    // before it reads back and again before it takes the record in (the same run laid out again meanwhile).
    private Task SettleAsync()
    {
        if (_settling is { } inFlight)
        {
            return inFlight;
        }

        var settle = SettleOnceAsync();
        if (!settle.IsCompleted)
        {
            _settling = settle; // SettleOnceAsync clears it as it ends
        }

        return settle;
    }

    private async Task SettleOnceAsync()
    {
        try
        {
            if (!_store.Unsettled)
            {
                return;
            }

            await PassesDoneAsync();
            var epoch = _store.State.Epoch;
            if (!await _store.SettleAsync())
            {
                return;
            }

            await PassesDoneAsync();
            _memory.Forget(newRun: _store.State.Epoch != epoch); // what was told stays: the pass of the restore takes it back
            await RestoreAsync();
        }
        finally
        {
            _settling = null;
        }
    }

    // The stored run's scenario, or null when it no longer resolves (stored by a build with looser bounds): the
    // registry then starts empty, and the job's next run (RunStartedAsync) sets it up again.
    private Scenario? Resolve(ScenarioSource source)
    {
        if (ScenarioResolver.TryResolve(source, out var scenario, out var errors))
        {
            return scenario;
        }

        LogUnresolved(logger, "(the stored run's scenario)", ScenarioResolver.Describe(errors));
        _store.State.Faults.Clear();
        return null;
    }
}
