using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Model.Failures;

/// <summary>
/// Seeded Poisson arrivals of background failures in <b>simulated</b> time. Simulated time is cut into buckets of a
/// fixed width (a function of the scenario alone); each cause's count in a bucket, each arrival's offset, target and
/// repair time are counter-based draws of (seed, cause, bucket, index). What <see cref="Between"/> returns is therefore
/// a function of the seed and the window only: however a run cuts its simulated time into steps, and whatever its
/// pace, it sees the same history.
/// </summary>
public sealed class FailureArrivals
{
    /// <summary>Most arrivals of one cause in one bucket; buckets are sized for about half an arrival, so this never binds in practice.</summary>
    public const int MaxPerBucket = 64;

    private const ulong Salt = 0xA24BAED4963EE407UL;

    private readonly ulong _seed;
    private readonly IReadOnlyList<NodeInfo> _nodes;
    private readonly long[] _gpusBefore; // GPUs of the nodes before each node, for a pick weighted by GPUs
    private readonly long _gpus;
    private readonly IReadOnlyList<LinkSpec> _links;
    private readonly (FailureCause Cause, double PerBucket, ulong Stream)[] _causes;

    /// <summary>Arrivals for <paramref name="layout"/> under <paramref name="spec"/>.</summary>
    public FailureArrivals(ClusterLayout layout, FailureSpec spec)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(spec);
        var scenario = layout.Scenario;
        _seed = scenario.Seed ^ Salt;
        _nodes = layout.Nodes;
        _links = scenario.Links;
        _gpusBefore = new long[_nodes.Count];
        for (var i = 0; i < _nodes.Count; i++)
        {
            _gpusBefore[i] = _gpus;
            _gpus += _nodes[i].GpusPerNode;
        }

        var total = spec.TotalRatePerSecond(scenario);
        BucketSeconds = total > 0 ? Math.Clamp(0.5 / total, 1e-3, 3600) : 3600;
        _causes = [.. spec.Causes.Select(c => (c, spec.RatePerSecond(c, scenario) * BucketSeconds, SeededNoise.StreamKey("failures/" + c.Name)))];
    }

    /// <summary>The width of a bucket of simulated time, in seconds.</summary>
    public double BucketSeconds { get; }

    /// <summary>The failures that start in [<paramref name="fromSeconds"/>, <paramref name="toSeconds"/>) of simulated time, in order of start.</summary>
    public IReadOnlyList<BackgroundFailure> Between(double fromSeconds, double toSeconds)
    {
        var found = new List<BackgroundFailure>();
        if (!(toSeconds > fromSeconds) || _causes.Length == 0)
        {
            return found;
        }

        var first = (long)Math.Floor(Math.Max(0, fromSeconds) / BucketSeconds);
        var last = (long)Math.Floor(toSeconds / BucketSeconds);
        for (var bucket = first; bucket <= last; bucket++)
        {
            foreach (var (cause, perBucket, stream) in _causes)
            {
                var count = PoissonCount(perBucket, SeededNoise.Uniform(_seed, stream, bucket));
                for (var i = 0; i < count; i++)
                {
                    var draw = (bucket * MaxPerBucket) + i;
                    var start = (bucket + SeededNoise.Uniform(_seed ^ 1, stream, draw)) * BucketSeconds;
                    if (start < fromSeconds || start >= toSeconds || !TryPickTarget(cause, SeededNoise.Uniform(_seed ^ 2, stream, draw), out var node, out var link))
                    {
                        continue;
                    }

                    var repair = cause.Repair.MedianSeconds * SeededNoise.LogNormalFactor(_seed ^ 3, stream, draw, cause.Repair.Cv);
                    found.Add(new BackgroundFailure($"bg-{cause.Name}-{bucket}-{i}", cause.Name, cause.Kind, cause.Params, node, link, start, repair, cause.Xid));
                }
            }
        }

        found.Sort((a, b) => a.StartSeconds.CompareTo(b.StartSeconds));
        return found;
    }

    /// <summary>The Poisson count whose CDF first reaches <paramref name="uniform"/> (inversion; the mean is at most about 0.5 per bucket).</summary>
    public static int PoissonCount(double mean, double uniform)
    {
        if (mean <= 0)
        {
            return 0;
        }

        var p = Math.Exp(-mean);
        var cumulative = p;
        var k = 0;
        while (uniform >= cumulative && k < MaxPerBucket)
        {
            k++;
            p *= mean / k;
            cumulative += p;
        }

        return k;
    }

    private bool TryPickTarget(FailureCause cause, double uniform, out string? node, out string? link)
    {
        (node, link) = (null, null);
        if (cause.Unit == FailureUnit.LinkHour)
        {
            if (_links.Count == 0)
            {
                return false;
            }

            link = _links[Math.Min(_links.Count - 1, (int)(uniform * _links.Count))].Id;
            return true;
        }

        if (_gpus == 0)
        {
            return false;
        }

        var gpu = Math.Min(_gpus - 1, (long)(uniform * _gpus));
        var index = Array.BinarySearch(_gpusBefore, gpu);
        node = _nodes[index >= 0 ? index : ~index - 1].Id;
        return true;
    }
}
