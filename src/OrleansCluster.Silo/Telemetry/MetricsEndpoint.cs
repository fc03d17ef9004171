using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.Options;
using OrleansCluster.Grains.Telemetry;

namespace OrleansCluster.Silo.Telemetry;

/// <summary>
/// <c>/metrics</c>: the OpenTelemetry Prometheus exporter's page (Orleans', ASP.NET Core's and the runtime's meters)
/// with this silo's own series (the simulation's) appended, before <c># EOF</c> when
/// the scraper negotiated OpenMetrics.
/// </summary>
public static class MetricsEndpoint
{
    public const string Path = "/metrics";

    /// <summary>The meter of the endpoint's own counts (pages rendered and shared, scrapes waiting); not on the page.</summary>
    public const string MeterName = "OrleansCluster.Silo.Metrics";

    private static readonly TimeSpan ScenarioWait = TimeSpan.FromSeconds(2);

    public static WebApplication UseMetricsEndpoint(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var scrapes = new SingleFlight(app.Services.GetRequiredService<IMeterFactory>().Create(MeterName));
        app.Lifetime.ApplicationStopped.Register(scrapes.Dispose);
        app.Use(async (context, next) =>
        {
            if (!IsMetricsPath(context.Request.Path))
            {
                await next(context);
                return;
            }

            // One page rendered at a time, shared by the scrapes that asked for it before it began (found by probing: four
            // scrapes at once of a 240 MB page took the silo from 2.9 to 8.5 GB): never one begun before a scrape asked,
            // which could be of the scenario before a load (SingleFlight). The page differs by method and format.
            var key = context.Request.Method + " " + context.Request.Headers.Accept;
            var (page, shared) = await scrapes.GetAsync(key, () => RenderAsync(context, next), context.RequestAborted);
            if (shared)
            {
                context.Response.StatusCode = page.Status;
                context.Response.ContentType = page.ContentType;
            }

            context.Response.ContentLength = page.Body.Length;
            await context.Response.Body.WriteAsync(page.Body, context.RequestAborted);
        });
        app.MapPrometheusScrapingEndpoint(Path).WithMetadata(new HttpMethodMetadata(["GET", "HEAD"])); // as /healthz: not every method
        return app;
    }

    // The exporter's page with this silo's series appended, as bytes: the exporter's page is copied once, the appended
    // series are written once as text and encoded once into the answer (a scrape made five copies of the page before).
    private static async Task<Page> RenderAsync(HttpContext context, RequestDelegate next)
    {
        // The job reports its figures at a step: its state and its links now are read before the exporter collects.
        // One read of the job's scenario per scrape, shared by the job's figures and the histograms' pruning.
        var scenario = new ScenarioRead(context.RequestServices.GetRequiredService<Simulation.LayoutCache>());
        await Api.LinksApi.ReportNowAsync(context.RequestServices, scenario.GetAsync, context.RequestAborted);

        // The exporter gzips when asked to; the appended series need its page as plain text.
        context.Request.Headers.AcceptEncoding = "identity";
        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = original;
        }

        if (context.Response.StatusCode != StatusCodes.Status200OK)
        {
            return new Page(context.Response.StatusCode, context.Response.ContentType, buffer.ToArray());
        }

        var openMetrics = buffer.Length >= Eof.Length && buffer.GetBuffer().AsSpan((int)buffer.Length - Eof.Length, Eof.Length).SequenceEqual(Eof);
        var extra = await AppendAsync(context.RequestServices, scenario, openMetrics, context.RequestAborted);
        var head = (int)buffer.Length - (openMetrics ? Eof.Length : 0);
        var body = new byte[head + Utf8Length(extra) + (openMetrics ? Eof.Length : 0)];
        buffer.GetBuffer().AsSpan(0, head).CopyTo(body);
        var end = WriteUtf8(extra, body.AsSpan(head));
        if (openMetrics)
        {
            Eof.CopyTo(body.AsSpan(head + end));
        }

        return new Page(StatusCodes.Status200OK, context.Response.ContentType, body);
    }

    private static readonly byte[] Eof = "# EOF\n"u8.ToArray();

    /// <summary>
    /// Every path routing sends to the exporter: routes match without regard to case or a trailing slash, so
    /// <c>/METRICS</c> and <c>/metrics/</c> reach the same page and must carry the same appended series.
    /// </summary>
    private static bool IsMetricsPath(PathString path) =>
        path.Equals(Path, StringComparison.OrdinalIgnoreCase) || path.Equals(Path + "/", StringComparison.OrdinalIgnoreCase);

    private static async Task<StringBuilder> AppendAsync(IServiceProvider services, ScenarioRead scenario, bool openMetrics, CancellationToken cancellationToken)
    {
        var extra = new StringBuilder();
        var telemetry = services.GetRequiredService<IOptions<TelemetryOptions>>().Value;
        PrometheusText.WriteSimulation(extra, services.GetRequiredService<SimulationMetrics>(), openMetrics, telemetry.MaxSites);
        var histograms = services.GetRequiredService<NodeHistograms>();
        var running = await KeepRunningScenarioAsync(histograms, scenario, cancellationToken);

        // The sites in the scenario's order (as gpusim_nodes folds them); where it could not be read, those held, by name.
        var fold = SiteFold.Of(running?.Sites.Select(s => s.Name).ToArray() ?? histograms.Sites(), telemetry.MaxSites);
        PrometheusText.WriteNodeHistograms(extra, histograms, fold);
        PrometheusText.WriteStepDurations(extra, services.GetRequiredService<SimulationMetrics>());
        PrometheusText.WriteTopStragglers(extra, services.GetRequiredService<SimulationMetrics>());
        if (telemetry.PerNode)
        {
            PrometheusText.WriteNodeGauges(extra, services.GetRequiredService<NodeGauges>());
        }

        if (telemetry.Dcgm)
        {
            await services.GetRequiredService<DcgmWriter>().WriteAsync(extra, cancellationToken);
        }

        return extra;
    }

    // The UTF-8 length of the text, chunk by chunk (an encoder carries a surrogate pair split between two chunks).
    private static int Utf8Length(StringBuilder text)
    {
        var encoder = Encoding.UTF8.GetEncoder();
        Span<byte> scratch = stackalloc byte[4096];
        var length = 0;
        foreach (var chunk in text.GetChunks())
        {
            for (var chars = chunk.Span; !chars.IsEmpty;)
            {
                encoder.Convert(chars, scratch, flush: false, out var used, out var written, out _);
                chars = chars[used..];
                length += written;
            }
        }

        encoder.Convert([], scratch, flush: true, out _, out var last, out _);
        return length + last;
    }

    // Writes the text as UTF-8 into the bytes (as long as Utf8Length says), returning how many it wrote.
    private static int WriteUtf8(StringBuilder text, Span<byte> into)
    {
        var encoder = Encoding.UTF8.GetEncoder();
        var at = 0;
        foreach (var chunk in text.GetChunks())
        {
            encoder.Convert(chunk.Span, into[at..], flush: false, out _, out var written, out _);
            at += written;
        }

        encoder.Convert([], into[at..], flush: true, out _, out var last, out _);
        return at + last;
    }

    /// <summary>
    /// Takes the node histograms of a scenario no longer loaded off the page: a scenario loaded under the name of the one
    /// before, with other sites or generations, left the other's series there (found by probing: a page of 767k series),
    /// as the histograms drop another scenario's series only when a block adds under another name. Keeps the (site,
    /// generation) series of the job's scenario now, as the scrape read it (<paramref name="read"/>: the one the job's
    /// figures were told, where they were; found by review, a second read here shipped an uploaded scenario's whole source
    /// again, and could find a scenario loaded since); where the job cannot be asked in time, the page stays as it is.
    /// </summary>
    /// Answers the scenario read, or null where there was none or it could not be read.
    private static async Task<Model.Scenarios.Scenario?> KeepRunningScenarioAsync(NodeHistograms histograms, ScenarioRead read, CancellationToken cancellationToken)
    {
        if (histograms.IsEmpty)
        {
            return null; // no block here: nothing to prune, and no job to ask
        }

        Model.Scenarios.Scenario? scenario;
        try
        {
            scenario = await read.GetAsync().WaitAsync(ScenarioWait, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return null;
        }

        if (scenario is not null)
        {
            histograms.Keep(scenario.Name, scenario.Sites.SelectMany(s => s.Nodes.Select(n => (s.Name, n.Generation.Name))));
        }

        return scenario;
    }

    /// <summary>
    /// A scrape's read of the job's scenario: made by whichever asks first, at most once (the scrape's steps run one after
    /// another), and answered to both.
    /// </summary>
    private sealed class ScenarioRead(Simulation.LayoutCache layouts)
    {
        private Task<Model.Scenarios.Scenario?>? _read;

        public Task<Model.Scenarios.Scenario?> GetAsync() => _read ??= layouts.GetScenarioAsync();
    }

    /// <summary>A rendered page: what every scrape that shared it answers.</summary>
    private sealed record Page(int Status, string? ContentType, byte[] Body);

    /// <summary>
    /// Renders one page at a time; a scrape that asks for a page (by its key) shares the next rendering of it that has not
    /// begun, and answers its bytes. A scrape never shares a rendering that began before it asked: found by review, a
    /// scrape that came after a scenario's load (its answer given) could share a page begun before the load, the scenario
    /// before's series. Scrapes that ask while a page renders share the one after it. Where the rendering scrape fails or
    /// goes away, the next waiting one renders afresh. The meter <see cref="MeterName"/> counts the pages rendered, the
    /// scrapes answered with a page another rendered, and the scrapes waiting (for their page or their turn to render).
    /// </summary>
    private sealed class SingleFlight : IDisposable
    {
        private readonly SemaphoreSlim _one = new(1, 1);
        private readonly Lock _gate = new();
        private readonly Dictionary<string, Task<Page>> _notBegun = new(StringComparer.Ordinal);
        private readonly Counter<long> _rendered;
        private readonly Counter<long> _shared;
        private readonly UpDownCounter<long> _waiting;

        public SingleFlight(Meter meter)
        {
            _rendered = meter.CreateCounter<long>("orleanscluster.metrics.pages_rendered", description: "Pages of /metrics rendered");
            _shared = meter.CreateCounter<long>("orleanscluster.metrics.pages_shared", description: "Scrapes of /metrics answered with a page another scrape rendered");
            _waiting = meter.CreateUpDownCounter<long>("orleanscluster.metrics.scrapes_waiting", description: "Scrapes of /metrics waiting for a page, or for their turn to render one");
        }

        public async Task<(Page Page, bool Shared)> GetAsync(string key, Func<Task<Page>> render, CancellationToken cancellationToken)
        {
            while (true)
            {
                TaskCompletionSource<Page>? mine = null;
                Task<Page>? shared;
                lock (_gate)
                {
                    if (!_notBegun.TryGetValue(key, out shared))
                    {
                        mine = new TaskCompletionSource<Page>(TaskCreationOptions.RunContinuationsAsynchronously);
                        _notBegun[key] = mine.Task;
                    }

                    _waiting.Add(1);
                }

                if (shared is not null)
                {
                    try
                    {
                        var answer = await shared.WaitAsync(cancellationToken);
                        _shared.Add(1);
                        return (answer, true);
                    }
                    catch (Exception) when (!cancellationToken.IsCancellationRequested)
                    {
                        continue; // the rendering scrape failed or went away: render afresh
                    }
                    finally
                    {
                        _waiting.Add(-1);
                    }
                }

                var page = mine!;
                Page rendered;
                try
                {
                    try
                    {
                        await _one.WaitAsync(cancellationToken);
                    }
                    finally
                    {
                        Begun(key, page.Task); // from here a scrape that asks waits for the next page
                    }

                    try
                    {
                        rendered = await render();
                        _rendered.Add(1);
                    }
                    finally
                    {
                        _one.Release();
                    }
                }
                catch (Exception e)
                {
                    page.TrySetException(e);
                    _ = page.Task.Exception; // observed: the waiting scrapes, if any, render afresh
                    throw;
                }

                page.SetResult(rendered);
                return (rendered, false);
            }
        }

        public void Dispose() => _one.Dispose();

        private void Begun(string key, Task<Page> page)
        {
            lock (_gate)
            {
                if (_notBegun.TryGetValue(key, out var waiting) && waiting == page)
                {
                    _notBegun.Remove(key);
                    _waiting.Add(-1);
                }
            }
        }
    }
}
