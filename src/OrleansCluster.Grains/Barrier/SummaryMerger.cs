using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Barrier;

/// <summary>
/// Merges children's summaries into one (distributions by generation, the K slowest, missed and rejoined nodes,
/// state counts and calls, the same whatever the grouping), keeping its distributions,
/// sketches and tables from one merge to the next: a shard or a silo coordinator merges at every step, and fresh ones
/// each time grew a sketch's buckets afresh (the largest share of a silo's allocations per step, traced at 250,000
/// nodes). One per grain, used in its turns only. What it answers is fresh but for the state counts, which it answers
/// again while they hold (to successive steps, and to two sites whose counts are alike): no one may change them.
/// </summary>
public sealed class SummaryMerger(int topK)
{
    private readonly Dictionary<string, ComputeDistribution> _byGeneration = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int Healthy, int Degraded, int Down)> _states = new(StringComparer.Ordinal);
    private readonly TopKSlowest _slowest = new(topK);
    private readonly List<string> _generations = [];
    private readonly List<ComputeDistribution> _distributions = [];
    private NodeCounts[] _lastStates = [];

    /// <summary>The K of the slowest nodes it keeps.</summary>
    public int TopK => topK;

    /// <summary>Merges <paramref name="children"/>: distributions by generation, the K slowest, missed and rejoined nodes, state counts and calls.</summary>
    public BarrierSummary Merge(IReadOnlyList<BarrierSummary> children, long ownCalls)
    {
        ArgumentNullException.ThrowIfNull(children);
        foreach (var distribution in _byGeneration.Values)
        {
            distribution.Clear();
        }

        _states.Clear();
        _slowest.Clear();
        List<string>? missed = null;
        List<string>? rejoined = null;
        var calls = ownCalls;
        for (var c = 0; c < children.Count; c++)
        {
            var child = children[c];
            for (var i = 0; i < child.Groups.Count; i++)
            {
                var group = child.Groups[i];
                if (!_byGeneration.TryGetValue(group.Generation, out var distribution))
                {
                    _byGeneration[group.Generation] = distribution = new ComputeDistribution();
                }

                Summaries.MergeInto(distribution, group);
            }

            for (var i = 0; i < child.Slowest.Count; i++)
            {
                var node = child.Slowest[i];
                if (_slowest.Admits(node.ComputeSeconds))
                {
                    _slowest.Offer(new StragglerCandidate(node.Node, 0, node.Generation, node.ComputeSeconds));
                }
            }

            for (var i = 0; i < child.States.Count; i++)
            {
                var count = child.States[i];
                var sum = _states.GetValueOrDefault(count.Generation);
                _states[count.Generation] = (sum.Healthy + count.Healthy, sum.Degraded + count.Degraded, sum.Down + count.Down);
            }

            if (child.Missed.Count > 0)
            {
                (missed ??= []).AddRange(child.Missed);
            }

            if (child.Rejoined is { Count: > 0 } back)
            {
                (rejoined ??= []).AddRange(back);
            }

            calls += child.GrainCalls;
        }

        _generations.Clear();
        _distributions.Clear();
        foreach (var (generation, distribution) in _byGeneration)
        {
            if (distribution.Count > 0)
            {
                _generations.Add(generation);
            }
        }

        _generations.Sort(StringComparer.Ordinal);
        foreach (var generation in _generations)
        {
            _distributions.Add(_byGeneration[generation]);
        }

        return new BarrierSummary(
            Summaries.From(_generations, _distributions),
            _slowest.ToArraySlowestFirst(static c => new SlowNode(c.NodeId, c.Generation, c.ComputeSeconds)),
            (IReadOnlyList<string>?)missed ?? [],
            States(),
            calls,
            rejoined);
    }

    // The state counts by generation, in order; the last answer's again while they hold (they change only with a node's health).
    private NodeCounts[] States()
    {
        var same = _lastStates.Length == _states.Count;
        for (var g = 0; same && g < _lastStates.Length; g++)
        {
            var last = _lastStates[g];
            same = _states.TryGetValue(last.Generation, out var now)
                && now.Healthy == last.Healthy && now.Degraded == last.Degraded && now.Down == last.Down;
        }

        return same ? _lastStates : _lastStates = _states.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => new NodeCounts(p.Key, p.Value.Healthy, p.Value.Degraded, p.Value.Down)).ToArray();
    }
}
