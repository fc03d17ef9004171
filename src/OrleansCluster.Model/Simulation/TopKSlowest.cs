namespace OrleansCluster.Model.Simulation;

/// <summary>
/// Keeps the K slowest nodes seen (a min-heap on compute time): O(1) for the common node that is not
/// among them, O(log K) otherwise. Mergeable, so each barrier level passes up at most K candidates.
/// </summary>
public sealed class TopKSlowest(int k)
{
    private readonly PriorityQueue<StragglerCandidate, double> _heap = new(k + 1);

    /// <summary>The capacity K.</summary>
    public int K { get; } = k;

    /// <summary>Candidates kept so far.</summary>
    public int Count => _heap.Count;

    /// <summary>
    /// Whether a node of this compute time would be kept: the caller can skip building the candidate for the common
    /// node that would not (a million times a step at the largest scale).
    /// </summary>
    public bool Admits(double computeSeconds) =>
        _heap.Count < K || (_heap.TryPeek(out _, out var fastestKept) && computeSeconds > fastestKept);

    /// <summary>Offers a node; kept if it is among the K slowest so far.</summary>
    public void Offer(in StragglerCandidate candidate)
    {
        if (_heap.Count < K)
        {
            _heap.Enqueue(candidate, candidate.ComputeSeconds);
        }
        else if (_heap.TryPeek(out _, out var fastestKept) && candidate.ComputeSeconds > fastestKept)
        {
            _heap.EnqueueDequeue(candidate, candidate.ComputeSeconds);
        }
    }

    /// <summary>The kept candidates, slowest first.</summary>
    public StragglerCandidate[] ToArraySlowestFirst()
    {
        var items = _heap.UnorderedItems.Select(i => i.Element).ToArray();
        Array.Sort(items, static (a, b) => b.ComputeSeconds.CompareTo(a.ComputeSeconds) is var c && c != 0 ? c : string.CompareOrdinal(a.NodeId, b.NodeId));
        return items;
    }

    /// <summary>Empties the selector for the next step.</summary>
    public void Clear() => _heap.Clear();
}
