using Microsoft.Extensions.Logging;
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
    ILogger<FaultRegistryGrain> logger) : Grain, IFaultRegistryGrain
{
    private const int EndedKept = 1000;
    private static readonly TimeSpan HistoryWriteDelay = TimeSpan.FromSeconds(1);

    private readonly Dictionary<string, NodeEffect> _nodeEffects = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LinkFaultEffect> _linkEffects = new(StringComparer.Ordinal);
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
            await ApplyAsync();
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
            var now = clock.GetUtcNow();
            foreach (var fault in s.Faults)
            {
                End(fault with { State = FaultState.Cleared, EndsAt = now });
            }

            s.Faults.Clear();
        }

        s.Epoch = epoch;
        s.Scenario = scenario;
        _layout = Layout(scenario);
        _nodeEffects.Clear(); // the grains start the new run healthy
        _linkEffects.Clear();
        await state.WriteStateAsync();
        await ApplyAsync();
    }

    public async Task<InjectionResult> InjectAsync(IReadOnlyList<FaultRequest> requests, string? campaign)
    {
        ArgumentNullException.ThrowIfNull(requests);
        if (_layout is null)
        {
            return new InjectionResult([], [new FieldError(string.Empty, "no scenario is running")], NotFound: false);
        }

        var errors = new List<FieldError>();
        var checkedFaults = new List<(FaultRequest Request, CheckedFault Fault)>();
        var allNotFound = true;
        for (var i = 0; i < requests.Count; i++)
        {
            var prefix = requests.Count == 1 && campaign is null ? string.Empty : $"faults[{i}].";
            var (fault, problems) = FaultValidator.Check(ToSpec(requests[i]), _layout);
            foreach (var problem in problems)
            {
                errors.Add(new FieldError(prefix + problem.Field, problem.Message));
                allNotFound &= problem.NotFound;
            }

            if (fault is not null)
            {
                checkedFaults.Add((requests[i], fault));
            }
        }

        if (errors.Count > 0)
        {
            return new InjectionResult([], errors, allNotFound);
        }

        var now = clock.GetUtcNow();
        var s = state.State;
        var made = new List<Fault>();
        foreach (var (request, fault) in checkedFaults)
        {
            var kind = FaultKinds.Name(fault.Kind);
            var startsAt = now + TimeSpan.FromSeconds(request.StartInSeconds ?? 0);
            var made1 = new Fault(
                $"f-{s.NextId++:D6}",
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
                campaign);
            s.Faults.Add(made1);
            s.InjectedByKind[kind] = s.InjectedByKind.GetValueOrDefault(kind) + 1;
            made.Add(made1);
        }

        await state.WriteStateAsync();
        await ApplyAsync();
        foreach (var fault in made)
        {
            LogInjected(logger, fault.Id, fault.Kind, fault.Targets.Nodes.Count + fault.Targets.Links.Count, fault.Campaign);
        }

        return new InjectionResult(made.Select(Current).ToArray(), [], NotFound: false);
    }

    public ValueTask<IReadOnlyList<Fault>> ListAsync(bool includeEnded)
    {
        IEnumerable<Fault> faults = state.State.Faults.Select(Current);
        if (includeEnded)
        {
            faults = faults.Concat(history.State.Ended);
        }

        return ValueTask.FromResult<IReadOnlyList<Fault>>(faults.OrderBy(f => f.Id, StringComparer.Ordinal).ToArray());
    }

    public ValueTask<Fault?> GetAsync(string id)
    {
        var fault = state.State.Faults.FirstOrDefault(f => f.Id == id) is { } live ? Current(live)
            : history.State.Ended.FirstOrDefault(f => f.Id == id);
        return ValueTask.FromResult(fault);
    }

    public async Task<Fault?> ClearAsync(string id)
    {
        var s = state.State;
        var index = s.Faults.FindIndex(f => f.Id == id);
        if (index < 0)
        {
            return null;
        }

        var cleared = s.Faults[index] with { State = FaultState.Cleared, EndsAt = clock.GetUtcNow() };
        s.Faults.RemoveAt(index);
        End(cleared);
        await state.WriteStateAsync();
        await ApplyAsync();
        return cleared;
    }

    public async Task<int> ClearAllAsync()
    {
        var s = state.State;
        var now = clock.GetUtcNow();
        var count = s.Faults.Count;
        foreach (var fault in s.Faults)
        {
            End(fault with { State = FaultState.Cleared, EndsAt = now });
        }

        s.Faults.Clear();
        await state.WriteStateAsync();
        await ApplyAsync();
        return count;
    }

    public ValueTask<IReadOnlyList<Fault>> ForNodeAsync(string node) =>
        ValueTask.FromResult<IReadOnlyList<Fault>>(state.State.Faults.Where(f => f.Targets.Nodes.Contains(node)).Select(Current).ToArray());

    public ValueTask<IReadOnlyList<Fault>> ForLinkAsync(string link) =>
        ValueTask.FromResult<IReadOnlyList<Fault>>(state.State.Faults.Where(f => f.Targets.Links.Contains(link)).Select(Current).ToArray());

    public ValueTask<IReadOnlyDictionary<string, NodeEffect>> NodeEffectsAsync() =>
        ValueTask.FromResult<IReadOnlyDictionary<string, NodeEffect>>(new Dictionary<string, NodeEffect>(_nodeEffects, StringComparer.Ordinal));

    public ValueTask<FaultCounts> CountsAsync()
    {
        var now = clock.GetUtcNow();
        var active = FaultKinds.Names.ToDictionary(k => k, k => state.State.Faults.Count(f => f.Kind == k && IsActive(f, now)), StringComparer.Ordinal);
        var injected = FaultKinds.Names.ToDictionary(k => k, k => state.State.InjectedByKind.GetValueOrDefault(k), StringComparer.Ordinal);
        return ValueTask.FromResult(new FaultCounts(active, injected));
    }

    private async Task OnTimerAsync(CancellationToken cancellationToken) => await ApplyAsync();

    // Expires what ran its time, works out each target's combined effect now, pushes what changed, and sets
    // the timer for the next moment anything changes.
    private async Task ApplyAsync()
    {
        var s = state.State;
        var now = clock.GetUtcNow();
        var expired = s.Faults.Where(f => f.EndsAt <= now).ToArray();
        foreach (var fault in expired)
        {
            s.Faults.Remove(fault);
            End(fault with { State = FaultState.Expired });
            LogExpired(logger, fault.Id, fault.Kind);
        }

        if (expired.Length > 0)
        {
            await state.WriteStateAsync();
        }

        var byNode = new Dictionary<string, List<ActiveFault>>(StringComparer.Ordinal);
        var byLink = new Dictionary<string, List<ActiveFault>>(StringComparer.Ordinal);
        foreach (var fault in s.Faults.Where(f => IsActive(f, now)))
        {
            if (!FaultKinds.TryParse(fault.Kind, out var kind))
            {
                continue;
            }

            var flapDown = kind == FaultKind.NodeFlap && FaultEffects.FlapDown(fault.StartsAt, now, fault.Params["periodSeconds"]);
            var active = new ActiveFault(kind, fault.Params, flapDown);
            foreach (var node in fault.Targets.Nodes)
            {
                (byNode.TryGetValue(node, out var list) ? list : byNode[node] = []).Add(active);
            }

            foreach (var link in fault.Targets.Links)
            {
                (byLink.TryGetValue(link, out var list) ? list : byLink[link] = []).Add(active);
            }
        }

        var pushes = new List<Task>();
        PushChanges(_nodeEffects, byNode, NodeEffect.None, faults =>
        {
            var (slowdown, crashed, clock) = FaultEffects.ForNode(faults);
            return new NodeEffect(slowdown, crashed, clock);
        }, (node, effect) => GrainFactory.GetGrain<INodeGrain>(node).SetEffectAsync(s.Epoch, effect), pushes);
        PushChanges(_linkEffects, byLink, LinkFaultEffect.None, faults =>
        {
            var e = FaultEffects.ForLink(faults);
            return new LinkFaultEffect(e.ExtraLatencySeconds, e.ExtraJitterSeconds, e.BandwidthRatio, e.PacketLossRatio, e.Up);
        }, (link, effect) => GrainFactory.GetGrain<ILinkGrain>(link).SetEffectAsync(s.Epoch, effect), pushes);

        await Task.WhenAll(pushes);
        ScheduleNext(now);
        if (_layout is not null)
        {
            metrics.ReportFaults(new SimulationMetrics.FaultSnapshot(_layout.Scenario.Name, await CountsAsync()));
        }
    }

    // For every target that has faults now or had an effect pushed before: combine, and push what changed.
    private static void PushChanges<TEffect>(
        Dictionary<string, TEffect> pushed,
        Dictionary<string, List<ActiveFault>> active,
        TEffect none,
        Func<List<ActiveFault>, TEffect> combine,
        Func<string, TEffect, Task> push,
        List<Task> pushes)
        where TEffect : class
    {
        foreach (var target in active.Keys.Union(pushed.Keys).ToArray())
        {
            var effect = active.TryGetValue(target, out var faults) ? combine(faults) : none;
            if (!Equals(pushed.GetValueOrDefault(target, none), effect))
            {
                pushes.Add(push(target, effect));
            }

            if (Equals(effect, none))
            {
                pushed.Remove(target);
            }
            else
            {
                pushed[target] = effect;
            }
        }
    }

    private void ScheduleNext(DateTimeOffset now)
    {
        DateTimeOffset? next = null;
        foreach (var fault in state.State.Faults)
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

    private static FaultSpec ToSpec(FaultRequest request) => new(
        request.Kind,
        request.Target is { } t ? new FaultTarget(t.Node, t.Link, t.Site, t.Generation, t.Count, t.Fraction) : null,
        request.Params,
        request.StartInSeconds,
        request.DurationSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "fault {Id} injected: {Kind} on {Targets} target(s), campaign {Campaign}")]
    private static partial void LogInjected(ILogger logger, string id, string kind, int targets, string? campaign);

    [LoggerMessage(Level = LogLevel.Information, Message = "fault {Id} ({Kind}) expired")]
    private static partial void LogExpired(ILogger logger, string id, string kind);
}
