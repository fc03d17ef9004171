using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Placement;
using Orleans.Runtime;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Links;
using OrleansCluster.Grains.Telemetry;
using OrleansCluster.Model.Faults;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Faults;

/// <summary>
/// Holds the cluster's faults as durable state, validates and resolves new ones with the model, and keeps the
/// node and link grains under the combined effect of the faults in force. A grain timer wakes it for the next
/// delayed start, expiry or flap phase. It never calls the job (the job calls it), so no call cycle exists.
/// The live faults are written before each mutation answers; the history of ended faults is written behind
/// them, at most once a second and when the grain deactivates, so a silo that dies may lose the last second
/// of history (never a fault in force). The state names carry a version: a fault's kind became a value rather
/// than its name, which state written by an earlier build cannot be read as, so that state is left unread (the
/// registry starts empty) instead of failing every activation.
/// </summary>
[Immovable] // Orleans must not move it, nor try to when a silo stops: docs/cluster.md
[KeepAlive] // the one registry, whose timer alone ends faults on time: never collected for being idle
public sealed partial class FaultRegistryGrain(
    [PersistentState(SimulationStorage.FaultRegistryState, SimulationStorage.Name)] IPersistentState<FaultRegistryState> state,
    [PersistentState(SimulationStorage.FaultHistoryState, SimulationStorage.Name)] IPersistentState<FaultHistoryState> history,
    TimeProvider clock,
    SimulationMetrics metrics,
    IOptions<FaultLimits> limits,
    IOptions<SimulationTuning> tuning,
    IClusterMembershipService membership,
    ILogger<FaultRegistryGrain> logger) : Grain, IFaultRegistryGrain, IIncomingGrainCallFilter
{
    private readonly FaultRegistryMemory _memory = new(); // the book, what was told, the layout, the last pass
    private IGrainTimer? _timer;
    private IGrainTimer? _historyTimer;
    private readonly FaultStore _store = new(state, history, clock, logger);
    private Task? _settling; // the read back in flight, which every caller that would settle waits on (SettleAsync)
    private Task? _passing; // the pass in flight (ApplyAsync), which a settle waits out before it reads back

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Both fire once when set (Change), never on a period.
        var once = new GrainTimerCreationOptions { DueTime = Timeout.InfiniteTimeSpan, Period = Timeout.InfiniteTimeSpan, Interleave = false, KeepAlive = true };
        _timer = this.RegisterGrainTimer(OnTimerAsync, once);
        _historyTimer = this.RegisterGrainTimer(WriteHistoryAsync, once);
        if (_readAgain)
        {
            await _store.ReadAgainAsync(); // handed over with records that may not be storage's (FaultRegistryGrain.HandOver.cs)
        }

        await RestoreAsync(writeBehind: _handedOver); // handed over: the records came in memory, and are written behind
        if (_handedOver)
        {
            RetryWhatIsUnwritten();
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        metrics.FaultsLeft(); // the silo that hosts the registry next exports the fault gauges
        if (reason.ReasonCode == DeactivationReasonCode.Migrating)
        {
            // Handed over (HandOverAsync): the records go along in memory, written here only where storage looks healthy
            // and within a short wait (FaultRegistryGrain.HandOver.cs).
            await HandOverRecordsAsync(cancellationToken);
            return;
        }

        if (_store.LiveDirty && !_store.Unsettled)
        {
            await SaveExpiriesAsync(); // what is written behind (the same run's new epoch, an expiry), not left to a retry that will not come
        }

        await WriteHistoryAsync(cancellationToken);
        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    public async Task RunStartedAsync(long epoch, ScenarioSource scenario, bool keepFaults, bool continuing, int blockSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        ArgumentNullException.ThrowIfNull(scenario);
        var layout = new ClusterLayout(ScenarioResolver.Resolve(scenario));
        if (FaultEndings.SameRun(_store.State.Scenario, scenario, keepFaults, continuing))
        {
            // The same run laid out again (a silo joined, left or was lost) ends no fault: its new grains are told the
            // faults from memory at once, and the new epoch is written behind (FaultStore.RunBehind), as an expiry is.
            // Not over a read's settle restoring the record meanwhile (its pass pushes, it waits on no read).
            await PassesDoneAsync();
            _store.RunBehind(epoch, scenario, blockSize);
            _memory.StartRun(layout);
            await ApplyAsync(changed: null, writeBehind: true);
            return;
        }

        await SettleAsync(); // let through the call filter for the same run alone: throws while storage cannot be read

        // A new scenario clears every fault, a new run of the same one the background failures (FaultEndings.ForRun),
        // written before anything in memory changes, as a mutation is (found by review: a failed write here left the
        // faults ended and the new run set in memory, and the next write of any call made them durable).
        var clearing = FaultEndings.ForRun(_memory.Book.Faults, _store.State.Scenario, scenario, keepFaults, continuing);
        await CommitEndingsAsync(clearing, FaultState.Cleared, change: state => state.BeginRun(epoch, scenario, blockSize));
        _memory.StartRun(layout); // the grains start the new run healthy
        await ApplyAsync(changed: null);
    }

    public Task<InjectionResult> InjectAsync(IReadOnlyList<FaultRequest> requests, string? campaign) =>
        InjectAsync(requests, campaign, idempotencyKey: null);

    public Task<InjectionResult> InjectOnceAsync(IReadOnlyList<FaultRequest> requests, string? campaign, string idempotencyKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(idempotencyKey);
        return InjectAsync(requests, campaign, idempotencyKey);
    }

    // Validates every request, then writes the new faults (with the counters and the idempotency key) and only once
    // the write succeeded takes them into memory: a write that fails (storage down) changes nothing.
    private async Task<InjectionResult> InjectAsync(IReadOnlyList<FaultRequest> requests, string? campaign, string? idempotencyKey)
    {
        var now = clock.GetUtcNow();
        var plan = FaultInjection.Admit(requests, campaign, idempotencyKey, _store.State, _memory.Book, _store.History, _memory.Layout, limits.Value, now);
        if (plan.Answer is { } answer)
        {
            return answer; // a replay, a key reused, or a refusal
        }

        var undo = Checkpoint();
        var made = FaultInjection.Make(plan, _store.State, now);
        await CommitAsync(_memory.Book.Faults.Concat(made), undo);
        _memory.Add(made);
        await ApplyAsync(made);
        foreach (var fault in made)
        {
            LogInjected(logger, fault.Id, fault.Kind.ApiName, fault.Targets.Nodes.Count + fault.Targets.Links.Count, fault.Campaign);
        }

        return new InjectionResult(made.Select(Current).ToArray(), [], NotFound: false);
    }

    public ValueTask<IReadOnlyList<Fault>> ListAsync(bool includeEnded) =>
        ValueTask.FromResult<IReadOnlyList<Fault>>(FaultReads.List(_memory.Book, _store.History, includeEnded, clock.GetUtcNow()));

    public ValueTask<Fault?> GetAsync(string id) => ValueTask.FromResult(FaultReads.Find(_memory.Book, _store.History, id, clock.GetUtcNow()));

    public async Task<Fault?> ClearAsync(string id)
    {
        if (_memory.Book.Find(id) is not { } live)
        {
            return null;
        }

        var cleared = await CommitEndingsAsync([live], FaultState.Cleared);
        await ApplyAsync(cleared);
        return cleared[0];
    }

    public async Task<int> ClearAllAsync()
    {
        var cleared = await CommitEndingsAsync(_memory.Book.Faults.ToList(), FaultState.Cleared);
        await ApplyAsync(changed: null);
        return cleared.Count(f => f.State == FaultState.Cleared);
    }

    public async Task<int> ClearCampaignAsync(string campaign)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        var made = FaultEndings.OfCampaign(_memory.Book.Faults, campaign);
        if (made.Count == 0)
        {
            return 0;
        }

        var cleared = await CommitEndingsAsync(made, FaultState.Cleared);
        await ApplyAsync(cleared);
        return cleared.Count(f => f.State == FaultState.Cleared);
    }

    public ValueTask<IReadOnlyList<Fault>> ForNodeAsync(string node) =>
        ValueTask.FromResult<IReadOnlyList<Fault>>(FaultReads.OnNode(_memory.Book, node, clock.GetUtcNow()));

    public ValueTask<IReadOnlyList<Fault>> ForLinkAsync(string link) =>
        ValueTask.FromResult<IReadOnlyList<Fault>>(FaultReads.OnLink(_memory.Book, link, clock.GetUtcNow()));

    public ValueTask<IReadOnlyDictionary<string, IReadOnlyList<Fault>>> LinkFaultsAsync() =>
        ValueTask.FromResult<IReadOnlyDictionary<string, IReadOnlyList<Fault>>>(FaultReads.ByLink(_memory.Book, clock.GetUtcNow()));

    public ValueTask<NodeEffect> EffectOnNodeAsync(string node) =>
        ValueTask.FromResult(_memory.NodeEffects.GetValueOrDefault(node, NodeEffect.None));

    public ValueTask<IReadOnlyDictionary<string, NodeEffect>> NodeEffectsAsync() =>
        ValueTask.FromResult<IReadOnlyDictionary<string, NodeEffect>>(new Dictionary<string, NodeEffect>(_memory.NodeEffects, StringComparer.Ordinal));

    // Found by review (fix-epoch-check): a registry with no run laid out (a stored scenario that no longer resolves)
    // answered the stored epoch, which matched the job's, while it refused every hand-over: nothing laid out again.
    public ValueTask<long> EpochAsync() => ValueTask.FromResult(_memory.Layout is null ? IFaultRegistryGrain.NotLaidOut : _store.State.Epoch);

    public Task<FaultRegistryHealth> HealthAsync() => Task.FromResult(new FaultRegistryHealth(_memory.Book.Count, _store.Unwritten));

    public ValueTask<FaultCounts> CountsAsync() =>
        ValueTask.FromResult(FaultTally.Counts(_memory.Book.Faults, _store.State, _memory.Layout?.Scenario.Failures?.Causes.Select(c => c.Name) ?? [], clock.GetUtcNow()));

    private async Task OnTimerAsync(CancellationToken cancellationToken)
    {
        if (_store.Unsettled)
        {
            try
            {
                await SettleAsync();
            }
            catch (WriteUnsettledException)
            {
                SetTimer(clock.GetUtcNow(), retry: true); // read back again a second later: no expiry written meanwhile
                return;
            }
        }

        await ApplyAsync([]);
    }

    // Expires what ran its time, works out the combined effect now of every target that a changed fault touches
    // (all targets when `changed` is null), pushes what changed, and sets the timer for the next moment anything
    // changes. A fault counts as changed when it was injected or cleared, expired, started, or turned its phase
    // since the last pass; a mutation costs in proportion to its own targets, not to every fault in force.
    // An expiry is no caller's change and cannot be put back (its time has passed): its effect is taken back before
    // it is written, and a write that fails (storage down) is tried again on the timer instead of failing the pass.
    // Whatever happens in a pass the timer is set again, or no fault would end until the next mutation. `writeBehind`
    // leaves the write to the timer's pass (the live faults are dirty then), so that the caller waits on no storage.
    // Passes run one at a time (found by review, fix-epoch-check: a read's settle restored over the same run's layout's
    // pass, two passes over one memory): an interleaved read's settle and a call or the timer can each start one.
    private async Task ApplyAsync(IReadOnlyCollection<Fault>? changed, bool writeBehind = false)
    {
        await PassesDoneAsync();
        var pass = PassAsync(changed, writeBehind);
        if (!pass.IsCompleted)
        {
            _passing = pass;
        }

        try
        {
            await pass;
        }
        finally
        {
            if (_passing == pass)
            {
                _passing = null;
            }
        }
    }

    // Waits out the pass in flight, if any (and one that another waiter starts meantime); its outcome is its caller's.
    // One that has ended counts as none: its caller may not have run on to clear it yet.
    private async Task PassesDoneAsync()
    {
        while (_passing is { IsCompleted: false } pass)
        {
            await pass.ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext | ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task PassAsync(IReadOnlyCollection<Fault>? changed, bool writeBehind)
    {
        var now = clock.GetUtcNow();
        var pass = _memory.Expire(now);
        var passed = false;
        try
        {
            _store.Journal(pass.Endings); // carried by the expiry's write below (or the next one, when it fails)
            foreach (var fault in pass.Endings)
            {
                AddToHistory(fault);
                LogExpired(logger, fault.Id, fault.Kind.ApiName);
            }

            await PushAsync(_memory.Plan(pass, changed, _store.State.RemappedRows));
            _memory.Pushed(pass);
            if (!writeBehind && (pass.Expired.Count > 0 || _store.LiveDirty))
            {
                await SaveExpiriesAsync();
            }

            passed = true;
        }
        finally
        {
            if (!passed)
            {
                _memory.Missed(pass); // the book no longer holds these faults: their targets are told again
            }

            SetTimer(now, retry: !passed);
        }

        if (_memory.Layout is { } layout)
        {
            metrics.ReportFaults(new SimulationMetrics.FaultSnapshot(layout.Scenario.Name, await CountsAsync()));
        }
    }

    // Wakes the registry for the next change after `now`, or sooner to retry a push or a write that failed (FaultWake).
    private void SetTimer(DateTimeOffset now, bool retry) =>
        _timer?.Change(FaultWake.Wait(_memory.Book.NextChangeAfter(now), clock.GetUtcNow(), retry || _memory.RetryDue || _store.LiveDirty), Timeout.InfiniteTimeSpan);

    private Fault Current(Fault fault) => FaultBook.AsOf(fault, clock.GetUtcNow());
}
