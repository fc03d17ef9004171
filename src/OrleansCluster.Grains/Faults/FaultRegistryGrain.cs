using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
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
/// of history (never a fault in force).
/// </summary>
public sealed partial class FaultRegistryGrain(
    [PersistentState("faults", SimulationStorage.Name)] IPersistentState<FaultRegistryState> state,
    [PersistentState("fault-history", SimulationStorage.Name)] IPersistentState<FaultHistoryState> history,
    TimeProvider clock,
    SimulationMetrics metrics,
    IOptions<FaultLimits> limits,
    ILogger<FaultRegistryGrain> logger) : Grain, IFaultRegistryGrain
{
    private const int EndedKept = 1000;
    private static readonly TimeSpan HistoryWriteDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan PushRetryDelay = TimeSpan.FromSeconds(1);

    private readonly Dictionary<string, NodeEffect> _nodeEffects = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LinkFaultEffect> _linkEffects = new(StringComparer.Ordinal);
    private readonly HashSet<(string Target, bool IsNode)> _retryTargets = [];

    // The faults pending or in force on each target, so that a change recomputes only the targets it touches.
    private readonly Dictionary<string, List<Fault>> _byNode = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Fault>> _byLink = new(StringComparer.Ordinal);
    private DateTimeOffset _lastApplied = DateTimeOffset.MinValue;

    // The faults pending or in force, with their resolved targets. The stored state keeps a selector's or a site's
    // fault without its node list (tens of thousands of ids for a site): they are resolved again, reproducibly
    // with the scenario's seed, when the registry activates.
    private readonly List<Fault> _faults = [];
    private ClusterLayout? _layout;
    private IGrainTimer? _timer;
    private IGrainTimer? _historyTimer;
    private bool _historyDirty;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _timer = this.RegisterGrainTimer(OnTimerAsync, new GrainTimerCreationOptions
        {
            DueTime = Timeout.InfiniteTimeSpan,
            Period = Timeout.InfiniteTimeSpan,
            Interleave = false,
            KeepAlive = true,
        });
        _historyTimer = this.RegisterGrainTimer(WriteHistoryAsync, new GrainTimerCreationOptions
        {
            DueTime = Timeout.InfiniteTimeSpan,
            Period = Timeout.InfiniteTimeSpan,
            Interleave = false,
            KeepAlive = true,
        });
        if (state.State.Scenario is { } scenario)
        {
            // Back after a deactivation or a silo's death: rebuild the layout and push every effect again.
            _layout = Layout(scenario);
            foreach (var stored in state.State.Faults)
            {
                if (Restore(stored, _layout) is { } fault)
                {
                    _faults.Add(fault);
                    Index(fault);
                }
            }

            await ApplyAsync(changed: null);
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await WriteHistoryAsync(cancellationToken);
        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    public async Task RunStartedAsync(long epoch, ScenarioSource scenario, bool keepFaults)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var s = state.State;
        if (!keepFaults)
        {
            ClearLive();
        }

        s.Epoch = epoch;
        s.Scenario = scenario;
        _layout = Layout(scenario);
        _nodeEffects.Clear(); // the grains start the new run healthy
        _linkEffects.Clear();
        _retryTargets.Clear();
        await SaveAsync();
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
        ArgumentNullException.ThrowIfNull(requests);
        var now = clock.GetUtcNow();
        var s = state.State;
        var fingerprint = idempotencyKey is null ? null : IdempotencyLog.Fingerprint(requests, campaign);
        if (idempotencyKey is not null && IdempotencyLog.Find(s.Idempotency, idempotencyKey, now) is { } earlier)
        {
            return earlier.Fingerprint == fingerprint
                ? new InjectionResult(Replay(earlier), [], NotFound: false, Replayed: true)
                : Refused(InjectionRefusal.IdempotencyKeyReused, "Idempotency-Key", $"'{idempotencyKey}' was used for another request (within {IdempotencyLog.Retention.TotalHours:0} h)");
        }

        var max = limits.Value;
        if (requests.Count > max.MaxFaultsPerCall)
        {
            return Refused(InjectionRefusal.None, "faults", $"{requests.Count} faults in one call; at most {max.MaxFaultsPerCall} ({FaultLimits.MaxFaultsPerCallSetting})");
        }

        if (_layout is null)
        {
            return new InjectionResult([], [new FieldError(string.Empty, "no scenario is running")], NotFound: false);
        }

        var errors = new List<FieldError>();
        var checkedFaults = new List<(FaultRequest Request, CheckedFault Fault)>();
        var allNotFound = true;
        var single = requests.Count == 1 && campaign is null;
        for (var i = 0; i < requests.Count; i++)
        {
            if (requests[i] is not { } request)
            {
                errors.Add(new FieldError(single ? "body" : $"faults[{i}]", "a fault object is required"));
                allNotFound = false;
                continue;
            }

            var prefix = single ? string.Empty : $"faults[{i}].";
            var (fault, problems) = FaultValidator.Check(ToSpec(request), _layout);
            foreach (var problem in problems)
            {
                errors.Add(new FieldError(prefix + problem.Field, problem.Message));
                allNotFound &= problem.NotFound;
            }

            if (fault is not null)
            {
                checkedFaults.Add((request, fault));
            }
        }

        if (errors.Count > 0)
        {
            return new InjectionResult([], errors, allNotFound);
        }

        if (_faults.Count + checkedFaults.Count > max.MaxLiveFaults)
        {
            return Refused(InjectionRefusal.LiveFaultLimit, "faults", $"{_faults.Count} faults are pending or in force and {checkedFaults.Count} more would pass the {max.MaxLiveFaults} allowed ({FaultLimits.MaxLiveFaultsSetting}); clear some first");
        }

        var undo = Checkpoint();
        var made = new List<Fault>();
        foreach (var (request, fault) in checkedFaults)
        {
            var kind = FaultKinds.Name(fault.Kind);
            var startsAt = now + TimeSpan.FromSeconds(request.StartInSeconds ?? 0);
            made.Add(new Fault(
                IdempotencyLog.FaultId(s.NextId++),
                kind,
                request.Target!,
                fault.Params,
                request.StartInSeconds,
                request.DurationSeconds,
                startsAt > now ? FaultState.Pending : FaultState.Active,
                now,
                startsAt,
                request.DurationSeconds is { } d ? startsAt + TimeSpan.FromSeconds(d) : null,
                new FaultTargets(fault.Targets.Nodes, fault.Targets.Links, fault.Targets.Sites),
                campaign));
            s.InjectedByKind[kind] = s.InjectedByKind.GetValueOrDefault(kind) + 1;
        }

        if (idempotencyKey is not null)
        {
            IdempotencyLog.Remember(s.Idempotency, new IdempotencyRecord(idempotencyKey, fingerprint!, undo.NextId, made.Count, now));
        }

        await CommitAsync(_faults.Concat(made), undo);
        foreach (var fault in made)
        {
            _faults.Add(fault);
            Index(fault);
        }

        await ApplyAsync(made);
        foreach (var fault in made)
        {
            LogInjected(logger, fault.Id, fault.Kind, fault.Targets.Nodes.Count + fault.Targets.Links.Count, fault.Campaign);
        }

        return new InjectionResult(made.Select(Current).ToArray(), [], NotFound: false);
    }

    private static InjectionResult Refused(InjectionRefusal refusal, string field, string message) =>
        new([], [new FieldError(field, message)], NotFound: false, refusal);

    // The faults an earlier injection under a key made, as they are now (in force, or ended and still in the history).
    private List<Fault> Replay(IdempotencyRecord record)
    {
        var replayed = new List<Fault>();
        foreach (var id in IdempotencyLog.FaultIds(record))
        {
            if (_faults.Find(f => f.Id == id) is { } live)
            {
                replayed.Add(Current(live));
            }
            else if (history.State.Ended.FindLast(f => f.Id == id) is { } ended)
            {
                replayed.Add(ended);
            }
        }

        return replayed;
    }

    public ValueTask<IReadOnlyList<Fault>> ListAsync(bool includeEnded)
    {
        IEnumerable<Fault> faults = _faults.Select(Current);
        if (includeEnded)
        {
            faults = faults.Concat(history.State.Ended);
        }

        return ValueTask.FromResult<IReadOnlyList<Fault>>(faults.OrderBy(f => f.Id, StringComparer.Ordinal).ToArray());
    }

    public ValueTask<Fault?> GetAsync(string id)
    {
        var fault = _faults.FirstOrDefault(f => f.Id == id) is { } live ? Current(live)
            : history.State.Ended.FirstOrDefault(f => f.Id == id);
        return ValueTask.FromResult(fault);
    }

    public async Task<Fault?> ClearAsync(string id)
    {
        var index = _faults.FindIndex(f => f.Id == id);
        if (index < 0)
        {
            return null;
        }

        var cleared = _faults[index] with { State = FaultState.Cleared, EndsAt = clock.GetUtcNow() };
        await CommitAsync(_faults.Where(f => f.Id != id), Checkpoint());
        _faults.RemoveAt(index);
        Unindex(cleared);
        End(cleared);
        await ApplyAsync([cleared]);
        return cleared;
    }

    public async Task<int> ClearAllAsync()
    {
        var count = _faults.Count;
        await CommitAsync([], Checkpoint());
        ClearLive();
        await ApplyAsync(changed: null);
        return count;
    }

    public ValueTask<IReadOnlyList<Fault>> ForNodeAsync(string node) =>
        ValueTask.FromResult<IReadOnlyList<Fault>>(_byNode.TryGetValue(node, out var faults) ? faults.Select(Current).ToArray() : []);

    public ValueTask<IReadOnlyList<Fault>> ForLinkAsync(string link) =>
        ValueTask.FromResult<IReadOnlyList<Fault>>(_byLink.TryGetValue(link, out var faults) ? faults.Select(Current).ToArray() : []);

    public ValueTask<IReadOnlyDictionary<string, NodeEffect>> NodeEffectsAsync() =>
        ValueTask.FromResult<IReadOnlyDictionary<string, NodeEffect>>(new Dictionary<string, NodeEffect>(_nodeEffects, StringComparer.Ordinal));

    public ValueTask<FaultCounts> CountsAsync()
    {
        var now = clock.GetUtcNow();
        var active = FaultKinds.Names.ToDictionary(k => k, k => _faults.Count(f => f.Kind == k && IsActive(f, now)), StringComparer.Ordinal);
        var injected = FaultKinds.Names.ToDictionary(k => k, k => state.State.InjectedByKind.GetValueOrDefault(k), StringComparer.Ordinal);
        return ValueTask.FromResult(new FaultCounts(active, injected));
    }

    private async Task OnTimerAsync(CancellationToken cancellationToken) => await ApplyAsync([]);

    // Expires what ran its time, works out the combined effect now of every target that a changed fault touches
    // (all targets when `changed` is null), pushes what changed, and sets the timer for the next moment anything
    // changes. A fault counts as changed when it was injected or cleared, expired, started, or flipped its flap
    // phase since the last pass; a mutation costs in proportion to its own targets, not to every fault in force.
    private async Task ApplyAsync(IReadOnlyCollection<Fault>? changed)
    {
        var s = state.State;
        var now = clock.GetUtcNow();
        var touched = changed is null ? null : new List<Fault>(changed);
        var expired = _faults.Where(f => f.EndsAt <= now).ToArray();
        foreach (var fault in expired)
        {
            _faults.Remove(fault);
            Unindex(fault);
            End(fault with { State = FaultState.Expired });
            LogExpired(logger, fault.Id, fault.Kind);
        }

        if (expired.Length > 0)
        {
            await SaveAsync();
        }

        IEnumerable<string> nodes, links;
        if (touched is null)
        {
            nodes = _byNode.Keys.Union(_nodeEffects.Keys).ToArray();
            links = _byLink.Keys.Union(_linkEffects.Keys).ToArray();
        }
        else
        {
            touched.AddRange(expired);
            touched.AddRange(_faults.Where(f => ChangedSince(f, _lastApplied, now)));
            nodes = touched.SelectMany(f => f.Targets.Nodes).Distinct(StringComparer.Ordinal).ToArray();
            links = touched.SelectMany(f => f.Targets.Links).Distinct(StringComparer.Ordinal).ToArray();
        }

        // Targets whose last push failed are pushed again, whether or not their effect changed since.
        var retried = _retryTargets.ToArray();
        _retryTargets.Clear();
        nodes = nodes.Union(retried.Where(r => r.IsNode).Select(r => r.Target), StringComparer.Ordinal).ToArray();
        links = links.Union(retried.Where(r => !r.IsNode).Select(r => r.Target), StringComparer.Ordinal).ToArray();
        var forced = retried.ToHashSet();

        var pushes = new List<(string Target, bool IsNode, Task Push)>();
        foreach (var node in nodes)
        {
            var (slowdown, crashed, ratio) = FaultEffects.ForNode(ActiveOn(_byNode, node, now));
            var effect = new NodeEffect(slowdown, crashed, ratio);
            if (Push(_nodeEffects, node, effect, NodeEffect.None) || forced.Contains((node, true)))
            {
                pushes.Add((node, true, GrainFactory.GetGrain<INodeGrain>(node).SetEffectAsync(s.Epoch, effect)));
            }
        }

        foreach (var link in links)
        {
            var e = FaultEffects.ForLink(ActiveOn(_byLink, link, now));
            var effect = new LinkFaultEffect(e.ExtraLatencySeconds, e.ExtraJitterSeconds, e.BandwidthRatio, e.PacketLossRatio, e.Up);
            if (Push(_linkEffects, link, effect, LinkFaultEffect.None) || forced.Contains((link, false)))
            {
                pushes.Add((link, false, GrainFactory.GetGrain<ILinkGrain>(link).SetEffectAsync(s.Epoch, effect)));
            }
        }

        var retry = await AwaitPushesAsync(pushes);
        _lastApplied = now;
        ScheduleNext(now, retry);
        if (_layout is not null)
        {
            metrics.ReportFaults(new SimulationMetrics.FaultSnapshot(_layout.Scenario.Name, await CountsAsync()));
        }
    }

    // Waits for the pushes. One that failed (its grain lost with a silo, say) must neither fail the caller (the
    // registry's activation included: a registry that cannot activate wedges every fault route) nor be taken as
    // done: its target is kept for the next pass, a second later, which pushes it again. True when a retry is due.
    private async Task<bool> AwaitPushesAsync(List<(string Target, bool IsNode, Task Push)> pushes)
    {
        try
        {
            await Task.WhenAll(pushes.Select(p => p.Push));
            return false;
        }
        catch (Exception) when (pushes.Any(p => p.Push.IsFaulted))
        {
            foreach (var (target, isNode, push) in pushes.Where(p => p.Push.IsFaulted))
            {
                _retryTargets.Add((target, isNode));
                LogPushFailed(logger, target, push.Exception!.GetBaseException().Message);
            }

            return true;
        }
    }

    private static List<ActiveFault> ActiveOn(Dictionary<string, List<Fault>> index, string target, DateTimeOffset now)
    {
        var active = new List<ActiveFault>();
        if (index.TryGetValue(target, out var faults))
        {
            foreach (var fault in faults)
            {
                if (IsActive(fault, now) && FaultKinds.TryParse(fault.Kind, out var kind))
                {
                    var flapDown = kind == FaultKind.NodeFlap && FaultEffects.FlapDown(fault.StartsAt, now, fault.Params["periodSeconds"]);
                    active.Add(new ActiveFault(kind, fault.Params, flapDown));
                }
            }
        }

        return active;
    }

    // Whether a fault in force or pending acts differently now than at the last pass: it started, or its flap
    // phase turned.
    private static bool ChangedSince(Fault fault, DateTimeOffset last, DateTimeOffset now)
    {
        if (IsActive(fault, last) != IsActive(fault, now))
        {
            return true;
        }

        return fault.Kind == "node.flap" && IsActive(fault, now)
            && FaultEffects.FlapDown(fault.StartsAt, last, fault.Params["periodSeconds"]) != FaultEffects.FlapDown(fault.StartsAt, now, fault.Params["periodSeconds"]);
    }

    // Records a target's effect; true when it differs from the one pushed before.
    private static bool Push<TEffect>(Dictionary<string, TEffect> pushed, string target, TEffect effect, TEffect none)
        where TEffect : class
    {
        var changed = !Equals(pushed.GetValueOrDefault(target, none), effect);
        if (Equals(effect, none))
        {
            pushed.Remove(target);
        }
        else
        {
            pushed[target] = effect;
        }

        return changed;
    }

    // Ends every fault pending or in force as cleared, now.
    private void ClearLive()
    {
        var now = clock.GetUtcNow();
        foreach (var fault in _faults)
        {
            End(fault with { State = FaultState.Cleared, EndsAt = now });
        }

        _faults.Clear();
        _byNode.Clear();
        _byLink.Clear();
    }

    private void Index(Fault fault)
    {
        foreach (var node in fault.Targets.Nodes)
        {
            (_byNode.TryGetValue(node, out var list) ? list : _byNode[node] = []).Add(fault);
        }

        foreach (var link in fault.Targets.Links)
        {
            (_byLink.TryGetValue(link, out var list) ? list : _byLink[link] = []).Add(fault);
        }
    }

    private void Unindex(Fault fault)
    {
        Remove(_byNode, fault.Targets.Nodes, fault.Id);
        Remove(_byLink, fault.Targets.Links, fault.Id);

        static void Remove(Dictionary<string, List<Fault>> index, IReadOnlyList<string> targets, string id)
        {
            foreach (var target in targets)
            {
                if (index.TryGetValue(target, out var list) && list.RemoveAll(f => f.Id == id) > 0 && list.Count == 0)
                {
                    index.Remove(target);
                }
            }
        }
    }

    private void ScheduleNext(DateTimeOffset now, bool retry = false)
    {
        DateTimeOffset? next = retry ? now + PushRetryDelay : null;
        foreach (var fault in _faults)
        {
            Consider(fault.StartsAt > now ? fault.StartsAt : null);
            Consider(fault.EndsAt);
            if (fault.Kind == "node.flap" && IsActive(fault, now))
            {
                Consider(FaultEffects.NextFlapChange(fault.StartsAt, now, fault.Params["periodSeconds"]));
            }
        }

        void Consider(DateTimeOffset? at)
        {
            if (at is { } t && t > now && (next is null || t < next))
            {
                next = t;
            }
        }

        _timer?.Change(next is { } due ? due - now : Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    private async Task SaveAsync()
    {
        state.State.Faults = _faults.Select(Stored).ToList();
        await state.WriteStateAsync();
    }

    // What a mutation may change in the durable state, to put back when its write fails.
    private sealed record StateCheckpoint(long NextId, Dictionary<string, long> InjectedByKind, List<Fault> Faults, List<IdempotencyRecord> Idempotency);

    private StateCheckpoint Checkpoint()
    {
        var s = state.State;
        return new(s.NextId, new(s.InjectedByKind, StringComparer.Ordinal), s.Faults, [.. s.Idempotency]);
    }

    // Writes `live` as the faults pending or in force (with whatever else the caller changed in the state). When the
    // write fails the state is put back as it was and the error goes to the caller; the caller changes its
    // in-memory faults only after this returns, so a failed write leaves nothing behind.
    private async Task CommitAsync(IEnumerable<Fault> live, StateCheckpoint undo)
    {
        var s = state.State;
        s.Faults = live.Select(Stored).ToList();
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception e)
        {
            (s.NextId, s.InjectedByKind, s.Faults, s.Idempotency) = (undo.NextId, undo.InjectedByKind, undo.Faults, undo.Idempotency);
            LogWriteFailed(logger, e.GetType().Name, e.Message);
            throw;
        }
    }

    private static bool Resolvable(Fault fault) => fault.Target.Node is null && fault.Target.Link is null;

    private static Fault Stored(Fault fault) =>
        Resolvable(fault) ? fault with { Targets = new FaultTargets([], [], fault.Targets.Sites) } : fault;

    private Fault? Restore(Fault stored, ClusterLayout layout)
    {
        if (!Resolvable(stored))
        {
            return stored;
        }

        var spec = new FaultSpec(stored.Kind, ToTarget(stored.Target), stored.Params, stored.StartInSeconds, stored.DurationSeconds);
        var (resolved, problems) = FaultValidator.Check(spec, layout);
        if (resolved is null)
        {
            LogUnresolved(logger, stored.Id, string.Join("; ", problems.Select(p => $"{p.Field}: {p.Message}")));
            return null;
        }

        return stored with { Targets = new FaultTargets(resolved.Targets.Nodes, resolved.Targets.Links, resolved.Targets.Sites) };
    }

    private Fault Current(Fault fault) => fault with { State = IsActive(fault, clock.GetUtcNow()) ? FaultState.Active : FaultState.Pending };

    private static bool IsActive(Fault fault, DateTimeOffset now) => fault.StartsAt <= now && (fault.EndsAt is null || fault.EndsAt > now);

    private void End(Fault fault)
    {
        var ended = history.State.Ended;
        ended.Add(fault);
        if (ended.Count > EndedKept)
        {
            ended.RemoveRange(0, ended.Count - EndedKept);
        }

        if (!_historyDirty)
        {
            _historyDirty = true;
            _historyTimer?.Change(HistoryWriteDelay, Timeout.InfiniteTimeSpan);
        }
    }

    private async Task WriteHistoryAsync(CancellationToken cancellationToken)
    {
        if (_historyDirty)
        {
            _historyDirty = false;
            try
            {
                await history.WriteStateAsync(cancellationToken);
            }
            catch
            {
                // Keep the history for the next attempt.
                _historyDirty = true;
                _historyTimer?.Change(HistoryWriteDelay, Timeout.InfiniteTimeSpan);
                throw;
            }
        }
    }

    private static ClusterLayout Layout(ScenarioSource source) =>
        new(source.Preset is { } preset ? ScenarioPresets.Load(preset) : ScenarioLoader.Parse(source.Json!));

    private static FaultTarget ToTarget(FaultTargetRequest t) => new(t.Node, t.Link, t.Site, t.Generation, t.Count, t.Fraction);

    private static FaultSpec ToSpec(FaultRequest request) => new(
        request.Kind,
        request.Target is { } t ? ToTarget(t) : null,
        request.Params,
        request.StartInSeconds,
        request.DurationSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "fault {Id} injected: {Kind} on {Targets} target(s), campaign {Campaign}")]
    private static partial void LogInjected(ILogger logger, string id, string kind, int targets, string? campaign);

    [LoggerMessage(Level = LogLevel.Warning, Message = "fault {Id} could not be resolved again on this scenario and is dropped: {Problems}")]
    private static partial void LogUnresolved(ILogger logger, string id, string problems);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the effect on {Target} could not be pushed, retrying in 1 s: {Reason}")]
    private static partial void LogPushFailed(ILogger logger, string target, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the faults could not be written ({Error}: {Message}); the change is undone")]
    private static partial void LogWriteFailed(ILogger logger, string error, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "fault {Id} ({Kind}) expired")]
    private static partial void LogExpired(ILogger logger, string id, string kind);
}
