namespace OrleansCluster.Model.Simulation;

/// <summary>Compute time of a node at a step: <c>t_i = W / (P_g * u) * f_i * e_ik</c> (DESIGN.md section 1).</summary>
public static class ComputeModel
{
    /// <summary>Noise-free, fault-free compute time <c>W / (P_g * u)</c>.</summary>
    public static double NominalSeconds(double flopsPerGpuPerStep, double peakFlopsPerSecond, double mfu) =>
        flopsPerGpuPerStep / (peakFlopsPerSecond * mfu);

    /// <summary>
    /// <c>t_i</c> for one node at one step: the nominal time times the fault slowdown <paramref name="slowdown"/>
    /// (f_i >= 1) times log-normal noise seeded by (scenario seed, node stream, step).
    /// </summary>
    public static double ComputeSeconds(double nominalSeconds, double slowdown, ulong seed, ulong nodeStream, long step, double computeCv) =>
        nominalSeconds * slowdown * SeededNoise.LogNormalFactor(seed, nodeStream, step, computeCv);
}
