using System.Globalization;
using OrleansCluster.Model.Generations;
using OrleansCluster.Model.Scenarios;

namespace OrleansCluster.Model.Simulation;

/// <summary>One node of the expanded cluster.</summary>
/// <param name="Id"><c>{site}-{index:D5}</c>, e.g. <c>west-00007</c>.</param>
/// <param name="Stream">The node's noise stream key, derived from its id.</param>
public sealed record NodeInfo(string Id, int SiteIndex, int IndexInSite, GpuGeneration Generation, int GpusPerNode, ulong Stream);

/// <summary>A block of consecutive nodes of one site: the lowest level of the barrier tree.</summary>
/// <param name="Id"><c>{site}/{ordinal}</c>, e.g. <c>west/0003</c>.</param>
public sealed record BlockInfo(string Id, int SiteIndex, int FirstNode, int NodeCount);

/// <summary>
/// The scenario expanded into nodes (ids, generations, noise streams) and the blocks the barrier tree
/// groups them in. Node ids and the order of nodes are a pure function of the scenario.
/// </summary>
public sealed class ClusterLayout
{
    /// <summary>Nodes per block by default: few enough calls per step up the tree, little work per call.</summary>
    public const int DefaultBlockSize = 512;

    private readonly Dictionary<string, int> _nodeOrdinals;

    /// <summary>Lays <paramref name="scenario"/> out in blocks of at most <paramref name="blockSize"/> nodes.</summary>
    public ClusterLayout(Scenario scenario, int blockSize = DefaultBlockSize)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        Scenario = scenario;
        var nodes = new List<NodeInfo>(scenario.NodeCount);
        var blocks = new List<BlockInfo>();
        for (var s = 0; s < scenario.Sites.Count; s++)
        {
            var site = scenario.Sites[s];
            var first = nodes.Count;
            var index = 0;
            foreach (var group in site.Nodes)
            {
                for (var i = 0; i < group.Count; i++, index++)
                {
                    var id = NodeId(site.Name, index);
                    nodes.Add(new NodeInfo(id, s, index, group.Generation, group.GpusPerNode, SeededNoise.StreamKey(id)));
                }
            }

            for (int start = first, ordinal = 0; start < nodes.Count; start += blockSize, ordinal++)
            {
                blocks.Add(new BlockInfo(BlockId(site.Name, ordinal), s, start, Math.Min(blockSize, nodes.Count - start)));
            }
        }

        Nodes = nodes;
        Blocks = blocks;
        _nodeOrdinals = new Dictionary<string, int>(nodes.Count, StringComparer.Ordinal);
        for (var i = 0; i < nodes.Count; i++)
        {
            _nodeOrdinals[nodes[i].Id] = i;
        }
    }

    /// <summary>The scenario laid out.</summary>
    public Scenario Scenario { get; }

    /// <summary>Every node, site by site, generation group by group.</summary>
    public IReadOnlyList<NodeInfo> Nodes { get; }

    /// <summary>Every block, site by site.</summary>
    public IReadOnlyList<BlockInfo> Blocks { get; }

    /// <summary>A node id: the site name and a five-digit index.</summary>
    public static string NodeId(string site, int index) => $"{site}-{index:D5}";

    /// <summary>A block id: the site name and the block's four-digit ordinal within the site.</summary>
    public static string BlockId(string site, int ordinal) => $"{site}/{ordinal:D4}";

    /// <summary>
    /// The block that holds <paramref name="nodeId"/> in any scenario laid out in blocks of <paramref name="blockSize"/>
    /// (a site's nodes fill its blocks in index order, so the id alone decides it), or null for an id not of the form
    /// <see cref="NodeId"/> writes.
    /// </summary>
    public static string? BlockOf(string nodeId, int blockSize)
    {
        ArgumentNullException.ThrowIfNull(nodeId);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        var dash = nodeId.LastIndexOf('-');
        return dash > 0 && int.TryParse(nodeId.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            ? BlockId(nodeId[..dash], index / blockSize)
            : null;
    }

    /// <summary>
    /// Why <paramref name="nodeId"/> names no node here: the form of an id and the ids each site has (the first
    /// <paramref name="sites"/> sites, and how many more), as an unknown link's message lists the links. Found by a
    /// newcomer's probe: <c>unknown node 'east-7'</c> did not say that ids have five digits.
    /// </summary>
    public string UnknownNode(string nodeId, int sites = 4)
    {
        ArgumentNullException.ThrowIfNull(nodeId);
        var counts = new int[Scenario.Sites.Count];
        foreach (var node in Nodes)
        {
            counts[node.SiteIndex]++;
        }

        var ranges = Scenario.Sites.Select((site, s) => (Site: site.Name, Count: counts[s])).Where(s => s.Count > 0).ToArray();
        if (ranges.Length == 0)
        {
            return $"unknown node '{nodeId}': the scenario has no nodes";
        }

        var listed = string.Join(", ", ranges.Take(sites).Select(r => $"{NodeId(r.Site, 0)} to {NodeId(r.Site, r.Count - 1)}"));
        var more = ranges.Length > sites ? $", and {ranges.Length - sites} sites more" : string.Empty;
        return $"unknown node '{nodeId}': a node id is its site and a five-digit index, e.g. {NodeId(ranges[0].Site, 0)} (here {listed}{more})";
    }

    /// <summary>The node's position in <see cref="Nodes"/>, or -1.</summary>
    public int OrdinalOf(string nodeId) => _nodeOrdinals.TryGetValue(nodeId, out var ordinal) ? ordinal : -1;
}
