using System.Globalization;

namespace OrleansCluster.Cli;

/// <summary>The bound shared by the <c>--seconds</c> a command runs for (<c>api</c>, <c>scrape</c>, <c>campaign</c>).</summary>
public static class RunLimits
{
    /// <summary>
    /// The longest run, 30 days. A run waits out what is left of its time with one timer, and a timer waits at most
    /// about 49.7 days (2^32 - 2 ms): past that, a run failed at its end, a campaign's faults long landed.
    /// </summary>
    public const int MaxSeconds = 30 * 24 * 60 * 60;

    /// <summary>An <see cref="ArgumentException"/> naming <paramref name="option"/> and its range (exit 2) when <paramref name="span"/> is out of it.</summary>
    public static void ThrowIfOutOfRange(string option, TimeSpan span)
    {
        if (span < TimeSpan.FromSeconds(1) || span > TimeSpan.FromSeconds(MaxSeconds))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{option} must be from 1 to {MaxSeconds:N0} (got {span.TotalSeconds:0.###})"));
        }
    }
}
