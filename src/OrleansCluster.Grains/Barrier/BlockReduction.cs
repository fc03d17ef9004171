using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Telemetry;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Barrier;

/// <summary>
/// A block's reduction of one step, with no grain in it: each node's compute time into its generation's distribution
/// and histogram buckets, the K slowest, the nodes that miss the barrier timeout and the evicted ones back within it at
/// a checkpoint. It only gathers: the block makes a gathered step its own (evictions, the times its meters read, its
/// answer), so that a step can be gathered ahead of its call and thrown away. Its buffers live from step to step.
/// </summary>
public sealed class BlockReduction
{
    private readonly string[] _nodes;
    private readonly string[] _generations;
    private readonly int[] _generationOf;
    private readonly int[] _gpus;
    private readonly ComputeDistribution[] _distributions;
    private readonly TopKSlowest _slowest;
    private readonly double[] _times;
    private readonly List<int> _missed = [];
    private readonly List<int> _rejoined = [];

    /// <param name="nodes">The block's node ids, by index.</param>
    /// <param name="generations">The block's generations; <paramref name="generationOf"/> gives each node's index in it.</param>
    /// <param name="generationOf">Each node's generation, as an index into <paramref name="generations"/>.</param>
    /// <param name="gpus">Each node's GPU count.</param>
    /// <param name="topK">How many of the slowest nodes a step lists.</param>
    public BlockReduction(string[] nodes, string[] generations, int[] generationOf, int[] gpus, int topK)
    {
        _nodes = nodes;
        _generations = generations;
        _generationOf = generationOf;
        _gpus = gpus;
        _distributions = generations.Select(_ => new ComputeDistribution()).ToArray();
        ComputeBuckets = generations.Select(_ => new NodeHistograms.Buckets()).ToArray();
        _slowest = new TopKSlowest(topK);
        _times = new double[nodes.Length];
    }

    /// <summary>Each node's time at the gathered step; NaN for a node not in it (evicted, or missing the barrier).</summary>
    public ReadOnlySpan<double> Times => _times;

    /// <summary>The nodes (by index) that missed the barrier at the gathered step: the block evicts them.</summary>
    public IReadOnlyList<int> Missed => _missed;

    /// <summary>The evicted nodes (by index) back within the barrier timeout at the gathered step's rejoin check.</summary>
    public IReadOnlyList<int> Rejoined => _rejoined;

    /// <summary>The gathered step's compute times per generation, as histogram buckets.</summary>
    public NodeHistograms.Buckets[] ComputeBuckets { get; }

    /// <summary>
    /// Gathers a step from its row of node times: a node evicted before is left out unless <paramref name="rejoinCheck"/>
    /// finds it within the timeout; a node in <paramref name="failed"/> (its grain did not answer) or past the timeout
    /// misses the barrier.
    /// </summary>
    public void Gather(ReadOnlySpan<double> row, ReadOnlySpan<bool> evicted, double timeout, bool rejoinCheck, HashSet<int>? failed)
    {
        foreach (var distribution in _distributions)
        {
            distribution.Clear();
        }

        foreach (var buckets in ComputeBuckets)
        {
            buckets.Clear();
        }

        _slowest.Clear();
        _missed.Clear();
        _rejoined.Clear();
        for (var i = 0; i < _times.Length; i++)
        {
            _times[i] = double.NaN;
            if (evicted[i])
            {
                if (!rejoinCheck || failed?.Contains(i) == true || !(row[i] <= timeout))
                {
                    continue;
                }

                _rejoined.Add(i);
            }

            var t = failed?.Contains(i) == true ? double.PositiveInfinity : row[i];
            if (!(t <= timeout))
            {
                _missed.Add(i);
                continue;
            }

            // Only dense arrays are read for the common node; its id only when it is among the slowest.
            var g = _generationOf[i];
            _times[i] = t;
            ComputeBuckets[g].Add(t);
            _distributions[g].Add(t, _gpus[i]);
            if (_slowest.Admits(t))
            {
                _slowest.Offer(new StragglerCandidate(_nodes[i], 0, _generations[g], t));
            }
        }
    }

    /// <summary>The gathered step's generations that had nodes in it, as barrier messages.</summary>
    public GroupSummary[] Groups() => Summaries.From(_generations, _distributions);

    /// <summary>The gathered step's K slowest nodes, slowest first.</summary>
    public SlowNode[] Slowest() => _slowest.ToArraySlowestFirst(static c => new SlowNode(c.NodeId, c.Generation, c.ComputeSeconds));

    /// <summary>The ids of <see cref="Missed"/>.</summary>
    public string[] MissedNodes() => _missed.Count == 0 ? [] : _missed.Select(i => _nodes[i]).ToArray();

    /// <summary>The ids of <see cref="Rejoined"/>, or null when none rejoined.</summary>
    public List<string>? RejoinedNodes() => _rejoined.Count == 0 ? null : _rejoined.Select(i => _nodes[i]).ToList();
}
