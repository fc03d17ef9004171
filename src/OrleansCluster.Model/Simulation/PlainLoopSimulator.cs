using OrleansCluster.Model.Scenarios;

namespace OrleansCluster.Model.Simulation;

/// <summary>
/// The whole model evaluated in a plain loop, with no actors: the reference the live simulation is
/// measured against, and the source of a scenario's expected figures. Buffers are reused across steps.
/// </summary>
public sealed class PlainLoopSimulator
{
    private readonly ClusterLayout _layout;
    private readonly double[] _nominalSeconds;
    private readonly double[] _slowdown;
    private readonly bool[] _evicted;
    private readonly int[] _groupOfNode;
    private readonly GroupStats[] _groups;
    private readonly LinkEffect[] _linkEffects;
    private readonly ulong[] _linkStreams;
    private readonly TopKSlowest _topK;
    private readonly Workload _workload;

    /// <summary>A loop over every node of <paramref name="scenario"/>, all healthy.</summary>
    public PlainLoopSimulator(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        _layout = new ClusterLayout(scenario);
        _workload = new Workload(scenario);
        var nodes = _layout.Nodes;
        _nominalSeconds = nodes.Select(_workload.NodeNominalSeconds).ToArray();
        _slowdown = Enumerable.Repeat(1.0, nodes.Count).ToArray();
        _evicted = new bool[nodes.Count];

        var groupIndex = new Dictionary<(int, string), int>();
        var groups = new List<GroupStats>();
        _groupOfNode = new int[nodes.Count];
        for (var i = 0; i < nodes.Count; i++)
        {
            var key = (nodes[i].SiteIndex, nodes[i].Generation.Name);
            if (!groupIndex.TryGetValue(key, out var g))
            {
                g = groups.Count;
                groupIndex[key] = g;
                groups.Add(new GroupStats(nodes[i].SiteIndex, nodes[i].Generation, new ComputeDistribution()));
            }

            _groupOfNode[i] = g;
        }

        _groups = groups.ToArray();
        _linkEffects = scenario.Links.Select(_ => LinkEffect.None).ToArray();
        _linkStreams = scenario.Links.Select(l => SeededNoise.StreamKey(l.Id)).ToArray();
        _topK = new TopKSlowest(scenario.Stragglers.TopK);
    }

    /// <summary>The layout the loop walks.</summary>
    public ClusterLayout Layout => _layout;

    /// <summary>What a step asks of the cluster.</summary>
    public Workload Workload => _workload;

    /// <summary>A node's nominal compute time, its persistent factor v_i included.</summary>
    public double NominalSeconds(int nodeOrdinal) => _nominalSeconds[nodeOrdinal];

    /// <summary>Sets a node's fault slowdown factor (1 when healthy).</summary>
    public void SetSlowdown(int nodeOrdinal, double factor) => _slowdown[nodeOrdinal] = factor;

    /// <summary>Sets a link's fault effect.</summary>
    public void SetLinkEffect(int linkIndex, LinkEffect effect) => _linkEffects[linkIndex] = effect;

    /// <summary>Whether a node was evicted by <see cref="Step(long, double, bool, out int)"/> (it missed the barrier) and has not rejoined.</summary>
    public bool IsEvicted(int nodeOrdinal) => _evicted[nodeOrdinal];

    /// <summary>Evaluates step <paramref name="step"/> with every node at the barrier, however long it takes.</summary>
    public StepResult Step(long step) => Step(step, double.PositiveInfinity, rejoinCheck: false, out _);

    /// <summary>
    /// Evaluates step <paramref name="step"/> as the live job's blocks do under a barrier timeout: a node whose compute
    /// time is past <paramref name="barrierTimeoutSeconds"/> misses the barrier (counted in <paramref name="missed"/>:
    /// the step fails, <see cref="StepFailure"/>) and is evicted; an evicted node takes no part in the steps after it
    /// until a rejoin check (<paramref name="rejoinCheck"/>: the first step after a checkpoint) finds it back within the
    /// timeout. The result is that of the nodes at the barrier.
    /// </summary>
    public StepResult Step(long step, double barrierTimeoutSeconds, bool rejoinCheck, out int missed)
    {
        var scenario = _layout.Scenario;
        var seed = scenario.Seed;
        var noise = scenario.Noise;
        var draws = new ComputeDraws(noise.ComputeCv, noise.OutlierProbability, noise.OutlierFactor);
        foreach (var group in _groups)
        {
            group.Distribution.Clear();
        }

        _topK.Clear();
        var nodes = _layout.Nodes;
        missed = 0;
        for (var i = 0; i < nodes.Count; i++)
        {
            if (_evicted[i] && !rejoinCheck)
            {
                continue;
            }

            var node = nodes[i];
            var t = draws.Seconds(_nominalSeconds[i], _slowdown[i], seed, node.Stream, step);
            if (_evicted[i])
            {
                if (!(t <= barrierTimeoutSeconds))
                {
                    continue; // still past the timeout: it stays out, and misses nothing it was asked to reach
                }

                _evicted[i] = false; // back within the barrier timeout after a checkpoint: it rejoins
            }

            if (!(t <= barrierTimeoutSeconds))
            {
                _evicted[i] = true;
                missed++;
                continue;
            }

            _groups[_groupOfNode[i]].Distribution.Add(t, node.GpusPerNode);
            _topK.Offer(new StragglerCandidate(node.Id, node.SiteIndex, node.Generation.Name, t));
        }

        var links = new LinkState[scenario.Links.Count];
        for (var j = 0; j < links.Length; j++)
        {
            links[j] = LinkModel.At(scenario.Links[j], _linkEffects[j], seed, _linkStreams[j], step, scenario.Noise.LinkJitterSeconds);
        }

        return StepEvaluator.Evaluate(scenario, _workload, _groups, links, _topK.ToArraySlowestFirst());
    }
}
