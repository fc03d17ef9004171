namespace OrleansCluster.Model.Scenarios;

/// <summary>
/// The trained model's shape (DESIGN.md section 7.1): the work and the traffic of a step follow from it.
/// </summary>
/// <param name="Parameters">P: parameters synchronised every step.</param>
/// <param name="ActiveParameters">P_a: parameters a token computes with (fewer than P for a mixture of experts).</param>
/// <param name="TokensPerStep">T: tokens of the global batch.</param>
/// <param name="GradientBytesPerParameter">b: bytes per gradient value (2 for BF16).</param>
public sealed record ModelShape(double Parameters, double ActiveParameters, double TokensPerStep, double GradientBytesPerParameter);

/// <summary>Tensor-parallel (TP) and pipeline-parallel (PP) degrees.</summary>
public sealed record Parallelism(int Tensor, int Pipeline)
{
    /// <summary>No model parallelism: every GPU holds the whole model.</summary>
    public static Parallelism None { get; } = new(1, 1);

    /// <summary>TP x PP: GPUs per replica, and the share of the parameters one GPU holds is its inverse.</summary>
    public int GpusPerReplica => Tensor * Pipeline;
}

/// <summary>How a step's work is split among GPUs (<c>job.balance</c>).</summary>
public enum WorkBalance
{
    /// <summary>Every GPU gets the same share: the slowest generation sets the pace.</summary>
    Equal,

    /// <summary>A GPU's share is proportional to its peak: every generation's nominal time is the same.</summary>
    Proportional,
}
