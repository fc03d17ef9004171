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

    /// <summary>Evaluates step <paramref name="step"/>.</summary>
    public StepResult Step(long step)
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
        for (var i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i];
            var t = draws.Seconds(_nominalSeconds[i], _slowdown[i], seed, node.Stream, step);
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
