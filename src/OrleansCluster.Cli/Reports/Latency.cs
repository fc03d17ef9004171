using HdrHistogram;

namespace OrleansCluster.Cli.Reports;

/// <summary>Latency figures of one kind of call, from an HdrHistogram of microseconds.</summary>
public sealed record Latency(long Count, double P50Milliseconds, double P99Milliseconds, double MaxMilliseconds)
{
    public static Latency From(LongHistogram histogram)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        return histogram.TotalCount == 0
            ? new Latency(0, 0, 0, 0)
            : new Latency(histogram.TotalCount, histogram.GetValueAtPercentile(50) / 1000.0, histogram.GetValueAtPercentile(99) / 1000.0, histogram.GetMaxValue() / 1000.0);
    }

    /// <summary>The cells of a latency table row: count, p50, p99, max (milliseconds).</summary>
    public IReadOnlyList<string> Cells() =>
        [ReportWriter.N(Count), ReportWriter.F(P50Milliseconds), ReportWriter.F(P99Milliseconds), ReportWriter.F(MaxMilliseconds)];

    /// <summary>A histogram for latencies up to a minute at three significant digits.</summary>
    public static LongHistogram NewHistogram() => new(60_000_000, 3);
}
