namespace OrleansCluster.Model.Simulation;

/// <summary>
/// Compute time of a node at a step: <c>t_i = W_i / (P_g * u) * f_i * v_i * e_ik * o_ik</c> (DESIGN.md sections 1
/// and 7.3). The persistent factor <c>v_i</c> is folded into the node's nominal time once, so the step path
/// pays only the per-step draws.
/// </summary>
public static class ComputeModel
{
    /// <summary>Noise-free, fault-free compute time <c>W / (P_g * u)</c>.</summary>
    public static double NominalSeconds(double flopsPerGpuPerStep, double peakFlopsPerSecond, double mfu) =>
        flopsPerGpuPerStep / (peakFlopsPerSecond * mfu);

    /// <summary>A node's own nominal time: its generation's nominal time times its persistent factor <c>v_i</c>.</summary>
    public static double NodeNominalSeconds(double generationNominalSeconds, ulong seed, ulong nodeStream, double nodeCv) =>
        nodeCv > 0 ? generationNominalSeconds * SeededNoise.NodeFactor(seed, nodeStream, nodeCv) : generationNominalSeconds;

    /// <summary>
    /// <c>t_i</c> for one node at one step: the nominal time times the fault slowdown <paramref name="slowdown"/>
    /// (f_i >= 1) times log-normal noise seeded by (scenario seed, node stream, step).
    /// </summary>
    public static double ComputeSeconds(double nominalSeconds, double slowdown, ulong seed, ulong nodeStream, long step, double computeCv) =>
        nominalSeconds * slowdown * SeededNoise.LogNormalFactor(seed, nodeStream, step, computeCv);

    /// <summary>
    /// <c>t_i</c> with outliers: as <see cref="ComputeSeconds(double, double, ulong, ulong, long, double)"/>, times
    /// <paramref name="outlierFactor"/> when the node's seeded outlier draw for the step falls under
    /// <paramref name="outlierProbability"/>.
    /// </summary>
    public static double ComputeSeconds(double nominalSeconds, double slowdown, ulong seed, ulong nodeStream, long step, double computeCv, double outlierProbability, double outlierFactor)
    {
        var t = ComputeSeconds(nominalSeconds, slowdown, seed, nodeStream, step, computeCv);
        return outlierProbability > 0 && SeededNoise.IsOutlier(seed, nodeStream, step, outlierProbability) ? t * outlierFactor : t;
    }
}

/// <summary>
/// A node's per-step compute times (<see cref="ComputeModel.ComputeSeconds(double, double, ulong, ulong, long, double, double, double)"/>)
/// with the noise's constants worked out once rather than per draw: the same values, for the loops that draw one
/// per node per step.
/// </summary>
public readonly struct ComputeDraws(double computeCv, double outlierProbability, double outlierFactor)
{
    private readonly double _sigma = computeCv > 0 ? SeededNoise.LogNormalSigma(computeCv) : 0;

    /// <summary><c>t_i</c> of a node at a step, as <see cref="ComputeModel"/> gives it.</summary>
    public double Seconds(double nominalSeconds, double slowdown, ulong seed, ulong nodeStream, long step)
    {
        var t = nominalSeconds * slowdown * (computeCv <= 0 ? 1 : SeededNoise.LogNormalFactorOfSigma(seed, nodeStream, step, _sigma));
        return outlierProbability > 0 && SeededNoise.IsOutlier(seed, nodeStream, step, outlierProbability) ? t * outlierFactor : t;
    }
}
