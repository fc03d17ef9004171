namespace OrleansCluster.Grains.Telemetry;

/// <summary>
/// This silo's per-(scenario, site, generation) histograms of node compute times and barrier waits. Blocks
/// count their nodes into local buckets and add them here once per step, so the hot loop costs a bucket
/// search per node instead of a metrics-SDK lookup per node (88,000 of them per step at colossus scale).
/// Rendered as Prometheus histograms by the host's metrics endpoint.
/// </summary>
public sealed class NodeHistograms
{
    /// <summary>Bucket upper bounds in seconds: milliseconds to minutes.</summary>
    public static IReadOnlyList<double> Bounds { get; } =
        [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 600];

    private readonly Dictionary<(string Scenario, string Site, string Generation), Series> _compute = [];
    private readonly Dictionary<(string Scenario, string Site, string Generation), Series> _wait = [];
    private readonly Lock _gate = new();

    /// <summary>The bucket a value falls in (the last one, index <c>Bounds.Count</c>, is +Inf).</summary>
    public static int BucketOf(double value)
    {
        var bounds = Bounds;
        var lo = 0;
        var hi = bounds.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (value <= bounds[mid])
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo;
    }

    /// <summary>Adds a block's counts for one step.</summary>
    public void AddCompute(string scenario, string site, string generation, Buckets counts) => Add(_compute, scenario, site, generation, counts);

    /// <summary>Adds a block's barrier-wait counts for one step.</summary>
    public void AddWait(string scenario, string site, string generation, Buckets counts) => Add(_wait, scenario, site, generation, counts);

    /// <summary>A copy of every series, for rendering.</summary>
    public (IReadOnlyList<(string Scenario, string Site, string Generation, Series Series)> Compute, IReadOnlyList<(string Scenario, string Site, string Generation, Series Series)> Wait) Snapshot()
    {
        lock (_gate)
        {
            return (Copy(_compute), Copy(_wait));
        }

        static List<(string, string, string, Series)> Copy(Dictionary<(string Scenario, string Site, string Generation), Series> from) =>
            from.OrderBy(p => p.Key.Scenario, StringComparer.Ordinal).ThenBy(p => p.Key.Site, StringComparer.Ordinal).ThenBy(p => p.Key.Generation, StringComparer.Ordinal)
                .Select(p => (p.Key.Scenario, p.Key.Site, p.Key.Generation, p.Value.Clone())).ToList();
    }

    private void Add(Dictionary<(string, string, string), Series> into, string scenario, string site, string generation, Buckets counts)
    {
        if (counts.Count == 0)
        {
            return;
        }

        lock (_gate)
        {
            if (!into.TryGetValue((scenario, site, generation), out var series))
            {
                into[(scenario, site, generation)] = series = new Series();
            }

            series.Add(counts);
        }
    }

    /// <summary>Counts per bucket with their sum: what a block gathers in one step for one generation.</summary>
    public sealed class Buckets
    {
        public long[] Counts { get; } = new long[Bounds.Count + 1];

        public double Sum { get; private set; }

        public long Count { get; private set; }

        public void Add(double value)
        {
            Counts[BucketOf(value)]++;
            Sum += value;
            Count++;
        }

        public void Clear()
        {
            Array.Clear(Counts);
            Sum = 0;
            Count = 0;
        }
    }

    /// <summary>A cumulative histogram series.</summary>
    public sealed class Series
    {
        public long[] Counts { get; private init; } = new long[Bounds.Count + 1];

        public double Sum { get; private set; }

        public long Count { get; private set; }

        public void Add(Buckets buckets)
        {
            for (var i = 0; i < Counts.Length; i++)
            {
                Counts[i] += buckets.Counts[i];
            }

            Sum += buckets.Sum;
            Count += buckets.Count;
        }

        public Series Clone() => new() { Counts = (long[])Counts.Clone(), Sum = Sum, Count = Count };
    }
}
