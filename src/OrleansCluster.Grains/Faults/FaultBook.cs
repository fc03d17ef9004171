using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Model.Faults;
using OrleansCluster.Model.Telemetry;

namespace OrleansCluster.Grains.Faults;

/// <summary>
/// The faults pending or in force, each with its schedule from the model, indexed by the nodes and links they act
/// on so that a change recomputes only the targets it touches. Pure bookkeeping: no grain, no storage, no clock of
/// its own (every question takes the time), so it is tested as it is.
/// </summary>
public sealed class FaultBook
{
    private readonly LinkedList<Entry> _entries = []; // oldest first
    private readonly Dictionary<string, LinkedListNode<Entry>> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Entry>> _byNode = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Entry>> _byLink = new(StringComparer.Ordinal);

    /// <summary>How many faults are pending or in force.</summary>
    public int Count => _entries.Count;

    /// <summary>The faults, oldest first.</summary>
    public IEnumerable<Fault> Faults => _entries.Select(e => e.Fault);

    /// <summary>The nodes at least one fault acts on.</summary>
    public IEnumerable<string> Nodes => _byNode.Keys;

    /// <summary>The links at least one fault acts on.</summary>
    public IEnumerable<string> Links => _byLink.Keys;

    /// <summary>Takes <paramref name="fault"/> in, with the schedule its kind keeps.</summary>
    public void Add(Fault fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        if (_byId.ContainsKey(fault.Id))
        {
            throw new ArgumentException($"a fault {fault.Id} is already pending or in force", nameof(fault));
        }

        var entry = new Entry(fault, FaultSchedule.For(FaultIntake.Kind(fault.Kind), fault.Params, fault.StartsAt, fault.EndsAt));
        _byId.Add(fault.Id, _entries.AddLast(entry));
        Index(_byNode, fault.Targets.Nodes, entry);
        Index(_byLink, fault.Targets.Links, entry);
    }

    /// <summary>The fault with <paramref name="id"/>, if it is pending or in force.</summary>
    public Fault? Find(string id) => _byId.TryGetValue(id, out var node) ? node.Value.Fault : null;

    /// <summary>Takes the fault with <paramref name="id"/> out; returns it, or null when there is none.</summary>
    public Fault? Remove(string id)
    {
        return _byId.TryGetValue(id, out var node) ? Take(node) : null;
    }

    /// <summary>Takes out the faults that have run their duration by <paramref name="now"/>; returns them.</summary>
    public IReadOnlyList<Fault> Expire(DateTimeOffset now)
    {
        var expired = new List<Fault>();
        for (var node = _entries.First; node is not null;)
        {
            var next = node.Next;
            if (node.Value.Schedule.HasExpired(now))
            {
                expired.Add(Take(node));
            }

            node = next;
        }

        return expired;
    }

    /// <summary>The faults that act differently at <paramref name="now"/> than at <paramref name="last"/> (started, or turned their phase).</summary>
    public IEnumerable<Fault> ChangedBetween(DateTimeOffset last, DateTimeOffset now) =>
        _entries.Where(e => e.Schedule.ChangedBetween(last, now)).Select(e => e.Fault);

    /// <summary>
    /// The nodes and links a pass recomputes: those <paramref name="changed"/> act on (injected, cleared or expired),
    /// and those of the faults that started or turned their phase between <paramref name="last"/> and <paramref name="now"/>;
    /// a mutation then costs in proportion to its own targets, not to every fault in force.
    /// </summary>
    public (IEnumerable<string> Nodes, IEnumerable<string> Links) Touched(IEnumerable<Fault> changed, DateTimeOffset last, DateTimeOffset now)
    {
        var touched = changed.Concat(ChangedBetween(last, now)).ToArray();
        return (touched.SelectMany(f => f.Targets.Nodes).Distinct(StringComparer.Ordinal), touched.SelectMany(f => f.Targets.Links).Distinct(StringComparer.Ordinal));
    }

    /// <summary>What the faults in force on <paramref name="node"/> do at <paramref name="now"/>.</summary>
    public List<ActiveFault> ActingOnNode(string node, DateTimeOffset now) => Acting(_byNode, node, now);

    /// <summary>What the faults in force on <paramref name="link"/> do at <paramref name="now"/>.</summary>
    public List<ActiveFault> ActingOnLink(string link, DateTimeOffset now) => Acting(_byLink, link, now);

    /// <summary>
    /// The HBM rows the faults of the book have spared on <paramref name="node"/> by <paramref name="now"/>: one per crashed
    /// spell begun of each fault whose XID remaps a row (<see cref="RowsSpared"/>). The rows of the faults that ended are
    /// the registry's stored tally (<c>FaultRegistryState.RemappedRows</c>): the two add up to the node's count.
    /// </summary>
    public int RowsSparedOn(string node, DateTimeOffset now)
    {
        var rows = 0;
        if (_byNode.TryGetValue(node, out var entries))
        {
            foreach (var entry in entries)
            {
                rows = (int)Math.Min(int.MaxValue, (long)rows + RowsSparedBy(entry.Fault, entry.Schedule, now));
            }
        }

        return rows;
    }

    /// <summary>
    /// The HBM rows <paramref name="fault"/> spared on each of its nodes by <paramref name="at"/> (its end, for one that
    /// ended): a double-bit ECC error (XID 48) spares one per crashed spell it began (<see cref="FaultSchedule.CrashSpellsBy"/>),
    /// and the remapping is the GPU's for good (its InfoROM keeps it); any other XID, or a fault that never took the
    /// node down, none.
    /// </summary>
    public static int RowsSpared(Fault fault, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(fault);
        return RowsSparedBy(fault, FaultSchedule.For(FaultIntake.Kind(fault.Kind), fault.Params, fault.StartsAt, fault.EndsAt), at);
    }

    private static int RowsSparedBy(Fault fault, FaultSchedule schedule, DateTimeOffset at) =>
        fault.Xid is { } xid && XidCatalog.RemapsARow(xid) ? schedule.CrashSpellsBy(at) : 0;

    /// <summary>The faults pending or in force on <paramref name="node"/>.</summary>
    public IEnumerable<Fault> OnNode(string node) => _byNode.TryGetValue(node, out var list) ? list.Select(e => e.Fault) : [];

    /// <summary>The faults pending or in force on <paramref name="link"/>.</summary>
    public IEnumerable<Fault> OnLink(string link) => _byLink.TryGetValue(link, out var list) ? list.Select(e => e.Fault) : [];

    /// <summary>The first moment after <paramref name="now"/> at which any fault starts, turns its phase or ends.</summary>
    public DateTimeOffset? NextChangeAfter(DateTimeOffset now) =>
        _entries.Select(e => e.Schedule.NextChangeAfter(now)).Where(t => t is not null).Min();

    /// <summary>
    /// The fault as it stands at <paramref name="now"/>: still pending, in force, or expired once its end has passed
    /// (found by probing: a fault of 1e-9 s answered its 201 "pending", its end already behind it, and was never in force).
    /// </summary>
    public static Fault AsOf(Fault fault, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(fault);
        return fault with
        {
            State = IsActive(fault, now) ? FaultState.Active : fault.EndsAt is { } end && end <= now ? FaultState.Expired : FaultState.Pending,
        };
    }

    /// <summary>Whether <paramref name="fault"/> is in force at <paramref name="now"/>.</summary>
    public static bool IsActive(Fault fault, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(fault);
        return fault.StartsAt <= now && (fault.EndsAt is null || fault.EndsAt > now);
    }

    // Takes one entry out of the list and its indexes; returns its fault.
    private Fault Take(LinkedListNode<Entry> node)
    {
        var entry = node.Value;
        _entries.Remove(node);
        _byId.Remove(entry.Fault.Id);
        Unindex(_byNode, entry.Fault.Targets.Nodes, entry);
        Unindex(_byLink, entry.Fault.Targets.Links, entry);
        return entry.Fault;
    }

    private static List<ActiveFault> Acting(Dictionary<string, List<Entry>> index, string target, DateTimeOffset now)
    {
        var acting = new List<ActiveFault>();
        if (index.TryGetValue(target, out var entries))
        {
            foreach (var entry in entries)
            {
                if (entry.Schedule.ActingAt(now) is { } active)
                {
                    acting.Add(entry.Fault.Xid is { } xid ? active with { Xid = xid } : active);
                }
            }
        }

        return acting;
    }

    private static void Index(Dictionary<string, List<Entry>> index, IReadOnlyList<string> targets, Entry entry)
    {
        foreach (var target in targets)
        {
            (index.TryGetValue(target, out var list) ? list : index[target] = []).Add(entry);
        }
    }

    private static void Unindex(Dictionary<string, List<Entry>> index, IReadOnlyList<string> targets, Entry entry)
    {
        foreach (var target in targets)
        {
            if (index.TryGetValue(target, out var list) && list.Remove(entry) && list.Count == 0)
            {
                index.Remove(target);
            }
        }
    }

    // A class, not a record: entries are found again by reference.
    private sealed class Entry(Fault fault, FaultSchedule schedule)
    {
        public Fault Fault { get; } = fault;

        public FaultSchedule Schedule { get; } = schedule;
    }
}
