using OrleansCluster.Model.Generations;
using OrleansCluster.Model.Scenarios;

namespace OrleansCluster.Model.Simulation;

/// <summary>
/// What one step asks of the cluster (DESIGN.md sections 1 and 7.1): the work <c>W_total</c> and how it is
/// split among GPUs, the intra-site bytes per node <c>G</c>, the inter-site bytes <c>G_x</c>, the collectives
/// per step <c>K</c> and the synchronisation interval <c>H</c>. In direct mode <c>G_x = G</c>, <c>K = H = 1</c>
/// and every GPU computes <c>job.flopsPerGpuPerStep</c>: exactly section 1. Built once per scenario (a sum
/// over node groups, not nodes).
/// </summary>
public sealed class Workload
{
    /// <summary>The most collectives a step is counted with: far above any scenario the loader accepts.</summary>
    public const double MaxCollectivesPerStep = 1e18;

    private readonly JobSpec _job;
    private readonly double _totalPeakFlopsPerSecond;
    private readonly ulong _seed;
    private readonly double _nodeCv;

    /// <summary>The workload of <paramref name="scenario"/>.</summary>
    public Workload(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        _job = scenario.Job;
        _seed = scenario.Seed;
        _nodeCv = scenario.Noise.NodeCv;
        var gpus = scenario.GpuCount;
        _totalPeakFlopsPerSecond = scenario.Sites.SelectMany(s => s.Nodes).Sum(n => (double)n.Count * n.GpusPerNode * n.Generation.PeakFlopsPerSecond);
        if (_job.Model is { } model)
        {
            TotalFlopsPerStep = 6 * model.ActiveParameters * model.TokensPerStep;
            TokensPerStep = model.TokensPerStep;
            var shardBytes = model.GradientBytesPerParameter * model.Parameters / _job.Parallelism.GpusPerReplica;
            InterSiteBytes = model.GradientBytesPerParameter * model.Parameters;
            CollectivesPerStep = (long)Math.Clamp(Math.Ceiling(shardBytes / _job.BucketBytes), 1, MaxCollectivesPerStep);
            EqualFlopsPerGpu = gpus > 0 ? TotalFlopsPerStep / gpus : 0;
        }
        else
        {
            EqualFlopsPerGpu = _job.FlopsPerGpuPerStep;
            TotalFlopsPerStep = _job.FlopsPerGpuPerStep * gpus;
            InterSiteBytes = _job.GradientBytes;
            CollectivesPerStep = 1;
        }

        InterSiteEverySteps = _job.Model is null ? 1 : _job.InterSiteEverySteps;
    }

    /// <summary><c>W_total</c>: FLOPs of one step over every GPU (<c>6 P_a T</c> in model mode).</summary>
    public double TotalFlopsPerStep { get; }

    /// <summary><c>T</c>: tokens per step; 0 in direct mode.</summary>
    public double TokensPerStep { get; }

    /// <summary><c>G_x</c>: bytes the inter-site ring all-reduces (a whole replica's gradient in model mode).</summary>
    public double InterSiteBytes { get; }

    /// <summary>
    /// <c>K</c>: collectives per step, each paying the inter-site latency. A <see cref="long"/>: one-byte buckets of a
    /// 1e15-parameter model's shard make about 1.6e16 of them, past an <see cref="int"/> (the loader keeps a bucket at
    /// least a byte; <see cref="MaxCollectivesPerStep"/> only guards the conversion).
    /// </summary>
    public long CollectivesPerStep { get; }


    /// <summary><c>H</c>: steps per inter-site synchronisation.</summary>
    public int InterSiteEverySteps { get; }

    /// <summary>A GPU's work under <c>balance: equal</c>: <c>W_total / N</c>.</summary>
    public double EqualFlopsPerGpu { get; }

    /// <summary>FLOPs one GPU of <paramref name="generation"/> computes per step.</summary>
    public double FlopsPerGpu(GpuGeneration generation)
    {
        ArgumentNullException.ThrowIfNull(generation);
        return _job.Balance == WorkBalance.Proportional
            ? TotalFlopsPerStep * generation.PeakFlopsPerSecond / _totalPeakFlopsPerSecond
            : EqualFlopsPerGpu;
    }

    /// <summary>
    /// Noise-free, fault-free compute time of a GPU of <paramref name="generation"/>: <c>W_i / (P_g u)</c>; under
    /// <c>proportional</c> the same for every generation, <c>W_total / (u sum_j P_j)</c>.
    /// </summary>
    public double NominalSeconds(GpuGeneration generation)
    {
        ArgumentNullException.ThrowIfNull(generation);
        return _job.Balance == WorkBalance.Proportional
            ? TotalFlopsPerStep / (_job.Mfu * _totalPeakFlopsPerSecond)
            : ComputeModel.NominalSeconds(EqualFlopsPerGpu, generation.PeakFlopsPerSecond, _job.Mfu);
    }

    /// <summary>
    /// Noise-free, fault-free compute time of <paramref name="node"/>: its generation's, times the node's own fixed
    /// factor <c>v_i</c> (the scenario's <c>noise.nodeCv</c>, seeded by the node): what every draw of its <c>t_i</c> is
    /// made around.
    /// </summary>
    public double NodeNominalSeconds(NodeInfo node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return ComputeModel.NodeNominalSeconds(NominalSeconds(node.Generation), _seed, node.Stream, _nodeCv);
    }

    /// <summary><c>G</c>: bytes a node of <paramref name="gpus"/> GPUs moves in each intra-site phase (its shard, <c>b P g / (TP PP)</c>).</summary>
    public double IntraSiteBytesPerNode(double gpus) =>
        _job.Model is { } model
            ? model.GradientBytesPerParameter * model.Parameters * gpus / _job.Parallelism.GpusPerReplica
            : _job.GradientBytes;
}
