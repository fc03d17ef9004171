namespace OrleansCluster.Model.Simulation;

/// <summary>
/// Keeps the K slowest nodes seen (a min-heap on compute time): O(1) for the common node that is not
/// among them, O(log K) otherwise. Mergeable, so each barrier level passes up at most K candidates. Nodes of equal
/// time rank by id (the smaller id counts as the slower, as <see cref="ToArraySlowestFirst"/> lists them), so the K
/// kept are the same whatever order the nodes are offered in: a step's stragglers do not depend on how its blocks
/// were grouped over silos.
/// </summary>
public sealed class TopKSlowest(int k)
{
    private readonly PriorityQueue<StragglerCandidate, StragglerCandidate> _heap = new(k + 1, FastestFirst.Instance);
    private StragglerCandidate[] _sorted = [];

    /// <summary>The capacity K.</summary>
    public int K { get; } = k;

    /// <summary>Candidates kept so far.</summary>
    public int Count => _heap.Count;

    /// <summary>
    /// Whether a node of this compute time might be kept (a tie with the fastest kept may be, by its id): the caller can
    /// skip building the candidate for the common node that would not (a million times a step at the largest scale).
    /// </summary>
    public bool Admits(double computeSeconds) =>
        _heap.Count < K || (_heap.TryPeek(out var fastestKept, out _) && computeSeconds >= fastestKept.ComputeSeconds);

    /// <summary>Offers a node; kept if it is among the K slowest so far.</summary>
    public void Offer(in StragglerCandidate candidate)
    {
        if (_heap.Count < K)
        {
            _heap.Enqueue(candidate, candidate);
        }
        else if (_heap.TryPeek(out var fastestKept, out _) && FastestFirst.Instance.Compare(candidate, fastestKept) > 0)
        {
            _heap.EnqueueDequeue(candidate, candidate);
        }
    }

    /// <summary>The kept candidates, slowest first.</summary>
    public StragglerCandidate[] ToArraySlowestFirst() => ToArraySlowestFirst(static c => c);

    /// <summary>
    /// The kept nodes, slowest first, each as <paramref name="map"/> makes it: one array a call (and a buffer this
    /// instance keeps), so that a block that lists its K slowest at every step allocates no more than its answer.
    /// </summary>
    public T[] ToArraySlowestFirst<T>(Func<StragglerCandidate, T> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        var count = _heap.Count;
        if (count == 0)
        {
            return [];
        }

        if (_sorted.Length < count)
        {
            _sorted = new StragglerCandidate[count];
        }

        var n = 0;
        foreach (var (element, _) in _heap.UnorderedItems)
        {
            _sorted[n++] = element;
        }

        Array.Sort(_sorted, 0, n, SlowestFirst.Instance);
        var result = new T[n];
        for (var i = 0; i < n; i++)
        {
            result[i] = map(_sorted[i]);
        }

        return result;
    }

    /// <summary>Empties the selector for the next step.</summary>
    public void Clear() => _heap.Clear();

    // The heap's order: faster first; of equal times, the larger id first (it is the first to give way).
    private sealed class FastestFirst : IComparer<StragglerCandidate>
    {
        public static FastestFirst Instance { get; } = new();

        public int Compare(StragglerCandidate x, StragglerCandidate y) =>
            x.ComputeSeconds.CompareTo(y.ComputeSeconds) is var c && c != 0 ? c : string.CompareOrdinal(y.NodeId, x.NodeId);
    }

    // The listing's order: slower first; of equal times, the smaller id first.
    private sealed class SlowestFirst : IComparer<StragglerCandidate>
    {
        public static SlowestFirst Instance { get; } = new();

        public int Compare(StragglerCandidate x, StragglerCandidate y) =>
            y.ComputeSeconds.CompareTo(x.ComputeSeconds) is var c && c != 0 ? c : string.CompareOrdinal(x.NodeId, y.NodeId);
    }
}
