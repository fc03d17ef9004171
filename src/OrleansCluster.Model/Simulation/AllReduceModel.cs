namespace OrleansCluster.Model.Simulation;

/// <summary>
/// Hierarchical gradient all-reduce cost (alpha-beta model, DESIGN.md section 1): intra-site
/// reduce-scatter, an inter-site ring all-reduce, intra-site all-gather.
/// </summary>
public static class AllReduceModel
{
    /// <summary>
    /// One intra-site phase: <c>T_s = (n-1)/n * G/B + (n-1) * a</c>; 0 for a site of one node (or none).
    /// </summary>
    public static double IntraSiteSeconds(int healthyNodes, double gradientBytes, double bandwidthBytesPerSecond, double hopLatencySeconds)
    {
        if (healthyNodes <= 1)
        {
            return 0;
        }

        var n = (double)healthyNodes;
        return ((n - 1) / n * gradientBytes / bandwidthBytesPerSecond) + ((n - 1) * hopLatencySeconds);
    }

    /// <summary>
    /// Inter-site ring all-reduce over m sites: <c>T_x = 2(m-1)/m * G / min C_j + 2(m-1) * max L_j</c>; 0 when m = 1.
    /// </summary>
    public static double InterSiteSeconds(int sites, double gradientBytes, double minLinkBandwidthBytesPerSecond, double maxLinkLatencySeconds)
    {
        if (sites <= 1)
        {
            return 0;
        }

        var m = (double)sites;
        return (2 * (m - 1) / m * gradientBytes / minLinkBandwidthBytesPerSecond) + (2 * (m - 1) * maxLinkLatencySeconds);
    }

    /// <summary>
    /// The bandwidth term of <c>T_x</c> (DESIGN.md 7.1): <c>2(m-1)/m * G_x / min C_eff / H</c>; 0 when m = 1.
    /// </summary>
    public static double InterSiteBandwidthSeconds(int sites, double interSiteBytes, double minLinkBandwidthBytesPerSecond, int everySteps)
    {
        if (sites <= 1)
        {
            return 0;
        }

        var m = (double)sites;
        return 2 * (m - 1) / m * interSiteBytes / minLinkBandwidthBytesPerSecond / everySteps;
    }

    /// <summary>
    /// The latency term of <c>T_x</c> (DESIGN.md 7.1): <c>K * 2(m-1) * max L / H</c>; 0 when m = 1. In floating point
    /// throughout: <c>K</c> runs to billions with one-byte buckets, and <c>2K</c> in integers would wrap negative.
    /// </summary>
    public static double InterSiteLatencySeconds(int sites, long collectives, double maxLinkLatencySeconds, int everySteps)
    {
        if (sites <= 1)
        {
            return 0;
        }

        return 2.0 * collectives * (sites - 1.0) * maxLinkLatencySeconds / everySteps;
    }

    /// <summary><c>T_comm = max_s T_s + T_x + max_s T_s</c>: reduce-scatter, cross-site ring, all-gather.</summary>
    public static double CommSeconds(double maxIntraSiteSeconds, double interSiteSeconds) =>
        maxIntraSiteSeconds + interSiteSeconds + maxIntraSiteSeconds;

    /// <summary>
    /// <c>T_step = max_i t_i + (1 - overlap') * T_comm</c>, where <c>overlap' = min(overlap, max_i t_i / T_comm)</c>
    /// (<see cref="ExposedShare"/>).
    /// </summary>
    public static double StepSeconds(double maxComputeSeconds, double commSeconds, double commOverlap) =>
        maxComputeSeconds + (ExposedShare(maxComputeSeconds, commSeconds, commOverlap) * commSeconds);

    /// <summary>
    /// The share of <c>T_comm</c> the step waits for: <c>1 - overlap</c>, but communication hides only behind
    /// compute, so at most <c>max_i t_i</c> of it is hidden and a step never takes less than its all-reduce.
    /// DESIGN's <c>(1 - overlap) T_comm</c> alone let a link fault cost nothing at <c>job.commOverlap</c> 1 (found by
    /// probing: a 7.3 s inter-site all-reduce in a 4.8 s step); the two agree wherever <c>overlap T_comm</c> is at most
    /// <c>max_i t_i</c>, the usual case.
    /// </summary>
    public static double ExposedShare(double maxComputeSeconds, double commSeconds, double commOverlap) =>
        commSeconds > 0 ? 1 - Math.Min(commOverlap, Math.Max(0, maxComputeSeconds) / commSeconds) : 1 - commOverlap;
}
