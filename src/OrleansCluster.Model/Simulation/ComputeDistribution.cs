namespace OrleansCluster.Model.Simulation;

/// <summary>
/// Mergeable statistics of the compute times of a group of nodes at one step: count, GPUs, sum, max and
/// a quantile sketch. Each level of the barrier tree reduces its children's distributions into one.
/// </summary>
public sealed class ComputeDistribution
{
    /// <summary>Nodes that reached the barrier.</summary>
    public int Count { get; private set; }

    /// <summary>Their GPUs.</summary>
    public long GpuCount { get; private set; }

    /// <summary>
    /// The GPUs of the largest of these nodes (0 when empty): a site's intra-site ring runs at the pace of its biggest
    /// shard, which the mean over nodes of one generation but two sizes would understate.
    /// </summary>
    public int LargestNodeGpus { get; private set; }

    /// <summary>Sum of their compute seconds.</summary>
    public double SumSeconds { get; private set; }

    /// <summary>Slowest compute seconds (0 when empty).</summary>
    public double MaxSeconds { get; private set; }

    /// <summary>Fastest compute seconds (+infinity when empty).</summary>
    public double MinSeconds { get; private set; } = double.PositiveInfinity;

    /// <summary>The sketch of every compute time.</summary>
    public QuantileSketch Sketch { get; } = new();

    /// <summary>
    /// The median: the sketch's estimate, made exact when it falls in the bucket of the fastest or the slowest
    /// time (so nodes of identical times have exactly that median). NaN when empty.
    /// </summary>
    public double MedianSeconds
    {
        get
        {
            if (Count == 0)
            {
                return double.NaN;
            }

            var bucket = Sketch.QuantileBucket(0.5);
            return bucket == QuantileSketch.BucketOf(MinSeconds) ? MinSeconds
                : bucket == QuantileSketch.BucketOf(MaxSeconds) ? MaxSeconds
                : QuantileSketch.ValueOf(bucket);
        }
    }

    /// <summary>Mean compute seconds (0 when empty).</summary>
    public double MeanSeconds => Count == 0 ? 0 : SumSeconds / Count;

    /// <summary>Adds one node's compute time.</summary>
    public void Add(double computeSeconds, int gpus)
    {
        Count++;
        GpuCount += gpus;
        if (gpus > LargestNodeGpus)
        {
            LargestNodeGpus = gpus;
        }

        SumSeconds += computeSeconds;
        if (computeSeconds > MaxSeconds)
        {
            MaxSeconds = computeSeconds;
        }

        if (computeSeconds < MinSeconds)
        {
            MinSeconds = computeSeconds;
        }

        Sketch.Add(computeSeconds);
    }

    /// <summary>Adds a child's statistics.</summary>
    public void Merge(ComputeDistribution other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Merge(other.Count, other.GpuCount, other.LargestNodeGpus, other.SumSeconds, other.MinSeconds, other.MaxSeconds);
        Sketch.Merge(other.Sketch);
    }

    /// <summary>Adds a child's statistics received as plain figures (the sketch merged separately).</summary>
    public void Merge(int count, long gpuCount, int largestNodeGpus, double sumSeconds, double minSeconds, double maxSeconds)
    {
        if (largestNodeGpus > LargestNodeGpus)
        {
            LargestNodeGpus = largestNodeGpus;
        }

        if (minSeconds < MinSeconds)
        {
            MinSeconds = minSeconds;
        }

        Count += count;
        GpuCount += gpuCount;
        SumSeconds += sumSeconds;
        if (maxSeconds > MaxSeconds)
        {
            MaxSeconds = maxSeconds;
        }
    }

    /// <summary>Empties the distribution for the next step, keeping its buffers.</summary>
    public void Clear()
    {
        Count = 0;
        GpuCount = 0;
        LargestNodeGpus = 0;
        SumSeconds = 0;
        MaxSeconds = 0;
        MinSeconds = double.PositiveInfinity;
        Sketch.Clear();
    }
}
