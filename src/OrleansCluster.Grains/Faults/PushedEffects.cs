using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Model.Faults;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Faults;

/// <summary>
/// The effect each node and link grain was last told, and the HBM rows each node's GPUs have spared (dcgm mode's
/// <c>DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS</c>, told with the effect), so that a pass pushes only what changed, and
/// the targets whose push failed, so that the next pass pushes them again whatever their effect. Pure bookkeeping.
/// </summary>
public sealed class PushedEffects
{
    private readonly Dictionary<string, NodeEffect> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _rows = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LinkEffect> _links = new(StringComparer.Ordinal);
    private readonly HashSet<(string Target, bool IsNode)> _retry = [];
    private static readonly Dictionary<string, int> NoRows = [];

    /// <summary>The nodes told an effect other than none, and what.</summary>
    public IReadOnlyDictionary<string, NodeEffect> Nodes => _nodes;

    /// <summary>Whether a failed push waits to be tried again.</summary>
    public bool RetryDue => _retry.Count > 0;

    /// <summary>A new run: every grain starts it with no effect.</summary>
    public void Reset()
    {
        _nodes.Clear();
        _rows.Clear();
        _links.Clear();
        _retry.Clear();
    }

    /// <summary>
    /// The pushes a pass makes: for each of <paramref name="nodes"/> and <paramref name="links"/> (every target
    /// told, faulted or with a spared row when null), the combined effect of the faults of <paramref name="book"/> at
    /// <paramref name="now"/> and, for a node, the HBM rows its GPUs have spared (<paramref name="ended"/>, the tally of
    /// the faults that ended, plus the book's: <see cref="FaultBook.RowsSparedOn"/>), where either differs from what the
    /// grain was told, plus every target whose last push failed.
    /// </summary>
    public IReadOnlyList<Push> Plan(FaultBook book, IEnumerable<string>? nodes, IEnumerable<string>? links, DateTimeOffset now, IReadOnlyDictionary<string, int>? ended = null)
    {
        ArgumentNullException.ThrowIfNull(book);
        ended ??= NoRows;
        // A set, not an array: a restore tells every node of the layout again, and a look-up per node in an array made
        // the pass quadratic (found by probing: 30 s at colossus's 88,000 nodes, /healthz 503 meanwhile; docs/performance.md).
        var retried = new HashSet<(string Target, bool IsNode)>(_retry);
        _retry.Clear();
        var pushes = new List<Push>();
        foreach (var node in Targets(nodes ?? book.Nodes.Union(_nodes.Keys).Union(_rows.Keys).Union(ended.Keys), retried, isNode: true))
        {
            var acting = book.ActingOnNode(node, now);
            var (slowdown, crashed, clock) = FaultEffects.ForNode(acting);
            var effect = new NodeEffect(slowdown, crashed, clock, FaultEffects.CrashXid(acting), FaultEffects.PowerLimitRatio(acting));
            var rows = (int)Math.Min(int.MaxValue, (long)ended.GetValueOrDefault(node) + book.RowsSparedOn(node, now));
            // Both recorded: `|`, not `||`.
            if (Record(_nodes, node, effect, NodeEffect.None) | Record(_rows, node, rows, 0) || retried.Contains((node, true)))
            {
                pushes.Add(new Push(node, IsNode: true, effect, null, rows));
            }
        }

        foreach (var link in Targets(links ?? book.Links.Union(_links.Keys), retried, isNode: false))
        {
            var effect = FaultEffects.ForLink(book.ActingOnLink(link, now));
            if (Record(_links, link, effect, LinkEffect.None) || retried.Contains((link, false)))
            {
                pushes.Add(new Push(link, IsNode: false, null, effect));
            }
        }

        return pushes;
    }

    /// <summary>The next pass tells these targets their effect whatever it is, as if their last push had failed.</summary>
    public void TellAgain(IEnumerable<string> nodes, IEnumerable<string> links)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(links);
        foreach (var node in nodes)
        {
            _retry.Add((node, true));
        }

        foreach (var link in links)
        {
            _retry.Add((link, false));
        }
    }

    /// <summary>Marks <paramref name="push"/> as failed: the next pass makes it again.</summary>
    public void Failed(Push push)
    {
        ArgumentNullException.ThrowIfNull(push);
        _retry.Add((push.Target, push.IsNode));
    }

    private static string[] Targets(IEnumerable<string> targets, HashSet<(string Target, bool IsNode)> retried, bool isNode) =>
        targets.Union(retried.Where(r => r.IsNode == isNode).Select(r => r.Target), StringComparer.Ordinal).ToArray();

    // Records a target's effect; true when it differs from the one told before.
    private static bool Record<TEffect>(Dictionary<string, TEffect> told, string target, TEffect effect, TEffect none)
        where TEffect : notnull
    {
        var changed = !Equals(told.GetValueOrDefault(target, none), effect);
        if (Equals(effect, none))
        {
            told.Remove(target);
        }
        else
        {
            told[target] = effect;
        }

        return changed;
    }

    /// <summary>One grain to tell: a node's effect (with the HBM rows its GPUs have spared) or a link's.</summary>
    public sealed record Push(string Target, bool IsNode, NodeEffect? Node, LinkEffect? Link, int RemappedRows = 0);
}
