namespace OrleansCluster.Grains.Telemetry;

/// <summary>
/// The step counts and step-time histogram of one scenario on one silo, kept by <see cref="SimulationMetrics"/> for the
/// scenario the job runs and begun anew when another is loaded. The SDK's own counter and histogram kept a series for
/// every scenario name the silo had ever run (765 buckets each, found by probing): a page that grew with every load.
/// </summary>
public sealed class StepSeries
{
    private static readonly double[] Bounds = BucketLattice.StepBounds();

    /// <param name="scenario">The scenario's name, the series' <c>scenario</c> label.</param>
    public StepSeries(string scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        Scenario = scenario;
        Counts = new long[Bounds.Length + 1];
    }

    /// <summary>The bounds of the histogram's buckets (seconds), the last bucket past them being +Inf.</summary>
    public static IReadOnlyList<double> BucketBounds { get; } = Array.AsReadOnly(Bounds);

    public string Scenario { get; }

    /// <summary>Steps that completed (the histogram's count).</summary>
    public long Ok { get; private set; }

    public long Failed { get; private set; }

    /// <summary>Steps rolled back after failures.</summary>
    public long Lost { get; private set; }

    /// <summary>The completed steps' T_step summed, seconds.</summary>
    public double Sum { get; private set; }

    /// <summary>Completed steps per bucket (not cumulative), the last past every bound.</summary>
    public long[] Counts { get; private init; }

    /// <summary>Counts a finished step: its T_step into the histogram when it completed, and the steps it lost.</summary>
    public void Add(bool ok, double durationSeconds, long lostSteps)
    {
        if (ok)
        {
            Ok++;
            Sum += durationSeconds;
            var bucket = Array.BinarySearch(Bounds, durationSeconds);
            Counts[bucket >= 0 ? bucket : ~bucket]++;
        }
        else
        {
            Failed++;
        }

        Lost += lostSteps;
    }

    /// <summary>A copy that later steps do not change, for a scrape to write.</summary>
    public StepSeries Copy() => new(Scenario) { Ok = Ok, Failed = Failed, Lost = Lost, Sum = Sum, Counts = (long[])Counts.Clone() };
}
