using System.Diagnostics;
using System.Globalization;
using OrleansCluster.Cli.Reports;

namespace OrleansCluster.Cli.Commands;

/// <summary>
/// <c>scrape</c>: M concurrent scrapers of <c>/metrics</c> on every given silo for a fixed time; latency, bytes and
/// samples per scrape, and the job's steps/s before and during the load. A scrape that fails (an error status, a lost
/// connection, no answer within the client's timeout) is counted, not thrown: a silo that stops answering under the
/// load is what the command is there to find. A silo that stops answering at all (<see cref="SiloWatch"/>: the connection
/// refused or cut, as when its process is gone) is scraped no more, its failures counted, and said so in
/// <see cref="Report.Lost"/>; the run ends early when no silo is left to scrape or the admin API's silo is lost (its
/// own <see cref="SiloWatch"/> over the steps/s calls: the steps/s during the load can no longer be read), with the
/// report of what it measured.
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
        double? StepsPerSecondDuring,
        IReadOnlyList<string>? Lost = null,
        int TimedOut = 0,
        double? TimeoutSeconds = null) : ICommandReport
    {
        /// <summary>
        /// <see cref="StepsPerSecondDuring"/> is null when the admin API's silo stopped answering during the load;
        /// <see cref="Lost"/> names each silo that stopped answering, when and how. <see cref="TimedOut"/> of the
        /// <see cref="Failures"/> had no answer within <see cref="TimeoutSeconds"/> (<c>--timeout</c>): found by review,
        /// a run whose scrapes all took longer said only "failed", not why.
        /// </summary>
        public bool Held() => Failures == 0 && Scrapes > 0 && Lost is not { Count: > 0 };

        public string Summary() =>
            $"{Scrapers} scrapers x {Targets} silo(s): {Scrapes} scrapes, {Failures} failed{TimedOutText()}; {ReportWriter.N(BytesPerScrape)} bytes and {ReportWriter.N(SamplesPerScrape)} samples per scrape; steps/s {ReportWriter.F(StepsPerSecondBefore, 1)} before, {(StepsPerSecondDuring is { } d ? ReportWriter.F(d, 1) : "-")} during"
            + (Lost is { Count: > 0 } ? $"; STOPPED: {string.Join("; ", Lost)}" : string.Empty);

        private string TimedOutText() => TimedOut > 0
            ? string.Create(CultureInfo.InvariantCulture, $" ({TimedOut} had no answer within --timeout {TimeoutSeconds:0.###} s)")
            : string.Empty;

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
        double before;
        using (var baselineWatch = new SiloWatch())
        {
            before = await StepRate.MeasureAsync(admin, options.Baseline, baselineWatch, cancellationToken);
        }

        progress?.Report(new RunProgress("baseline", $"{before:N1} steps/s before scraping", 1));

        var histogram = Latency.NewHistogram();
        long bytes = 0, samples = 0, count = 0;
        var failures = 0;
        var timedOut = 0;
        var clock = Stopwatch.StartNew();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watches = silos.Select(_ => new SiloWatch()).ToArray();
        using var adminWatch = new SiloWatch();
        string? adminLost = null;

        // The steps/s during the load; null, and the run stopped, once the admin API's silo is gone (as the scraped
        // silos, after SiloWatch.Limit calls in a row with no answer: one lost call is not a lost silo).
        async Task<double?> DuringAsync()
        {
            try
            {
                return await StepRate.MeasureAsync(admin, options.Duration, adminWatch, stop.Token);
            }
            catch (HttpRequestException e) when (SiloWatch.IsNoAnswer(e))
            {
                adminLost = string.Create(CultureInfo.InvariantCulture, $"the admin API stopped answering {clock.Elapsed.TotalSeconds:0.0} s into the load: {SiloWatch.Limit} calls in a row got no answer (the last: {CommandErrors.Describe(e)})");
                await stop.CancelAsync();
                return null;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                return null; // every scraped silo was lost
            }
        }

        var during = DuringAsync();
        var scrapers = Enumerable.Range(0, options.Scrapers * silos.Count).Select(async i =>
        {
            var client = silos[i % silos.Count];
            var watch = watches[i % silos.Count];
            while (clock.Elapsed < options.Duration && !cancellationToken.IsCancellationRequested && !stop.IsCancellationRequested && watch.Lost is null)
            {
                try
                {
                    var page = await MetricsPage.ScrapeAsync(client, cancellationToken);
                    watch.Answered();
                    lock (histogram)
                    {
                        histogram.RecordValue(Math.Min((long)(page.ScrapeMilliseconds * 1000), histogram.HighestTrackableValue));
                        bytes += page.Bytes;
                        samples = page.Samples;
                        count++;
                    }

                    progress?.Report(new RunProgress("scrape", $"{Interlocked.Read(ref count):N0} scrapes", clock.Elapsed / options.Duration));
                }
                catch (HttpRequestException e)
                {
                    Interlocked.Increment(ref failures);
                    if (SiloWatch.IsNoAnswer(e))
                    {
                        watch.Unanswered(e);
                    }
                    else
                    {
                        watch.Answered(); // an error status: the silo is there
                    }
                }
                catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // The client's timeout: HttpClient reports it as a cancellation that is not the run's own.
                    Interlocked.Increment(ref failures);
                    Interlocked.Increment(ref timedOut);
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
        finally
        {
            foreach (var watch in watches)
            {
                watch.Dispose();
            }
        }

        if (watches.All(w => w.Lost is not null))
        {
            await stop.CancelAsync(); // nothing left to scrape: the run ends here
        }

        var duringRate = await during;
        string[] lost = [.. watches.Select((w, i) => w.Lost is { } why ? $"{silos[i].BaseAddress}: {why}" : null).OfType<string>(), .. adminLost is null ? [] : new[] { adminLost }];
        progress?.Report(new RunProgress("scrape", $"{count:N0} scrapes", 1));
        return new Report(options.Scrapers, silos.Count, count, failures, Latency.From(histogram), count == 0 ? 0 : bytes / count, samples, before, duringRate, lost, timedOut, silos.Max(s => s.Timeout).TotalSeconds);
    }
}
