using System.Diagnostics;
using OrleansCluster.Cli.Reports;

namespace OrleansCluster.Cli.Commands;

/// <summary>
/// <c>scrape</c>: M concurrent scrapers of <c>/metrics</c> on every given silo for a fixed time; latency, bytes and
/// samples per scrape, and the job's steps/s before and during the load. A scrape that fails (an error status, a lost
/// connection, no answer within the client's timeout) is counted, not thrown: a silo that stops answering under the
/// load is what the command is there to find.
/// </summary>
public static class ScrapeLoad
{
    public sealed record Options(int Scrapers, TimeSpan Duration, TimeSpan Baseline)
    {
        /// <summary>
        /// An <see cref="ArgumentException"/> naming the first option out of range (exit 2): the command checks before it
        /// calls anything, <see cref="RunAsync"/> again for a caller that built the options itself.
        /// </summary>
        public void ThrowIfOutOfRange()
        {
            if (Scrapers < 1)
            {
                throw new ArgumentException($"--scrapers must be at least 1 (got {Scrapers})");
            }

            RunLimits.ThrowIfOutOfRange("--seconds", Duration);
            if (Baseline <= TimeSpan.Zero)
            {
                throw new ArgumentException($"the baseline must be longer than 0 (got {Baseline})");
            }
        }
    }

    public sealed record Report(
        int Scrapers,
        int Targets,
        long Scrapes,
        int Failures,
        Latency Latency,
        long BytesPerScrape,
        long SamplesPerScrape,
        double StepsPerSecondBefore,
        double StepsPerSecondDuring) : ICommandReport
    {
        public bool Held() => Failures == 0 && Scrapes > 0;

        public string Summary() =>
            $"{Scrapers} scrapers x {Targets} silo(s): {Scrapes} scrapes, {Failures} failed; {ReportWriter.N(BytesPerScrape)} bytes and {ReportWriter.N(SamplesPerScrape)} samples per scrape; steps/s {ReportWriter.F(StepsPerSecondBefore, 1)} before, {ReportWriter.F(StepsPerSecondDuring, 1)} during";

        public IReadOnlyList<ReportTable> Tables() =>
        [
            new ReportTable(
                "Scrapes of /metrics",
                ["call", "count", "p50 ms", "p99 ms", "max ms", "failed", "bytes", "samples"],
                [["GET /metrics", .. Latency.Cells(), ReportWriter.N(Failures), ReportWriter.N(BytesPerScrape), ReportWriter.N(SamplesPerScrape)]]),
        ];
    }

    public static async Task<Report> RunAsync(HttpClient admin, IReadOnlyList<HttpClient> silos, Options options, IProgress<RunProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(admin);
        ArgumentNullException.ThrowIfNull(silos);
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfOutOfRange();
        if (silos.Count == 0)
        {
            throw new ArgumentException("at least one silo to scrape", nameof(silos));
        }

        progress?.Report(new RunProgress("baseline", "steps/s before scraping", 0));
        var before = await StepRate.MeasureAsync(admin, options.Baseline, cancellationToken);
        progress?.Report(new RunProgress("baseline", $"{before:N1} steps/s before scraping", 1));

        var histogram = Latency.NewHistogram();
        long bytes = 0, samples = 0, count = 0;
        var failures = 0;
        var clock = Stopwatch.StartNew();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var during = StepRate.MeasureAsync(admin, options.Duration, stop.Token);
        var scrapers = Enumerable.Range(0, options.Scrapers * silos.Count).Select(async i =>
        {
            var client = silos[i % silos.Count];
            while (clock.Elapsed < options.Duration && !cancellationToken.IsCancellationRequested)
            {
                try
                {
                    var page = await MetricsPage.ScrapeAsync(client, cancellationToken);
                    lock (histogram)
                    {
                        histogram.RecordValue(Math.Min((long)(page.ScrapeMilliseconds * 1000), histogram.HighestTrackableValue));
                        bytes += page.Bytes;
                        samples = page.Samples;
                        count++;
                    }

                    progress?.Report(new RunProgress("scrape", $"{Interlocked.Read(ref count):N0} scrapes", clock.Elapsed / options.Duration));
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref failures);
                }
                catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // The client's timeout: HttpClient reports it as a cancellation that is not the run's own.
                    Interlocked.Increment(ref failures);
                }
            }
        }).ToArray();
        try
        {
            await Task.WhenAll(scrapers);
        }
        catch
        {
            // Not left polling the silo after the command has given up, nor its failure unobserved.
            await stop.CancelAsync();
            await ((Task)during).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }

        var duringRate = await during;
        progress?.Report(new RunProgress("scrape", $"{count:N0} scrapes", 1));
        return new Report(options.Scrapers, silos.Count, count, failures, Latency.From(histogram), count == 0 ? 0 : bytes / count, samples, before, duringRate);
    }
}
