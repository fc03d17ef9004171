namespace OrleansCluster.Model.Simulation;

/// <summary>
/// Counter-based random numbers: every draw is a pure function of (seed, stream, step), so a node's
/// series is the same whichever silo computes it and in whatever order steps are asked for.
/// </summary>
public static class SeededNoise
{
    private const double TwoPi = 2 * Math.PI;
    private const double InverseTwoTo53 = 1.0 / (1UL << 53);
    private const ulong NodeSalt = 0xD1B54A32D192ED03UL;
    private const ulong OutlierSalt = 0x8CB92BA72F3D8DD7UL;

    /// <summary>A stable 64-bit key for a string id (FNV-1a; <see cref="string.GetHashCode()"/> is randomised per process).</summary>
    public static ulong StreamKey(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var hash = 14695981039346656037UL;
        foreach (var c in id)
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }

        return hash;
    }

    /// <summary>A standard normal draw for (seed, stream, step), by Box-Muller over two counter-based uniforms.</summary>
    public static double StandardNormal(ulong seed, ulong stream, long step)
    {
        var state = Mix(Mix(seed ^ 0x5851F42D4C957F2DUL) ^ stream) ^ (ulong)step;
        var a = Mix(state);
        var b = Mix(a ^ 0x9E3779B97F4A7C15UL);
        var u1 = ((a >> 11) + 1) * InverseTwoTo53; // (0, 1]: never log(0)
        var u2 = (b >> 11) * InverseTwoTo53;
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(TwoPi * u2);
    }

    /// <summary>
    /// Log-normal factor with median 1 and coefficient of variation <paramref name="cv"/>:
    /// <c>exp(sigma * z)</c> with <c>sigma^2 = ln(1 + cv^2)</c>. Exactly 1 when <paramref name="cv"/> is 0.
    /// </summary>
    public static double LogNormalFactor(ulong seed, ulong stream, long step, double cv) =>
        cv <= 0 ? 1 : LogNormalFactorOfSigma(seed, stream, step, LogNormalSigma(cv));

    /// <summary>The sigma of a log-normal of median 1 and coefficient of variation <paramref name="cv"/>: <c>sqrt(ln(1 + cv^2))</c>.</summary>
    public static double LogNormalSigma(double cv) => Math.Sqrt(Math.Log(1 + (cv * cv)));

    /// <summary><c>exp(sigma * z)</c>: <see cref="LogNormalFactor"/> with its sigma worked out once by the caller.</summary>
    public static double LogNormalFactorOfSigma(ulong seed, ulong stream, long step, double sigma) =>
        Math.Exp(sigma * StandardNormal(seed, stream, step));

    /// <summary>
    /// The persistent log-normal factor <c>v_i</c> of a node (median 1, CV <paramref name="cv"/>), fixed by
    /// (seed, node): drawn from a stream of its own so it is independent of the per-step draws.
    /// </summary>
    public static double NodeFactor(ulong seed, ulong nodeStream, double cv) =>
        LogNormalFactor(seed ^ NodeSalt, nodeStream, 0, cv);

    /// <summary>Whether the node is an outlier at the step: a seeded uniform draw under <paramref name="probability"/>.</summary>
    public static bool IsOutlier(ulong seed, ulong nodeStream, long step, double probability) =>
        Uniform(seed ^ OutlierSalt, nodeStream, step) < probability;

    /// <summary>A uniform draw in [0, 1) for (seed, stream, step).</summary>
    public static double Uniform(ulong seed, ulong stream, long step)
    {
        var state = Mix(Mix(seed ^ 0x5851F42D4C957F2DUL) ^ stream) ^ (ulong)step;
        return (Mix(state) >> 11) * InverseTwoTo53;
    }

    // SplitMix64's finaliser: a bijective avalanche of 64 bits.
    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
