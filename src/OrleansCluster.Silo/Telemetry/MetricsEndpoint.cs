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

    private static readonly TimeSpan ScenarioWait = TimeSpan.FromSeconds(2);

    public static WebApplication UseMetricsEndpoint(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use(async (context, next) =>
        {
            if (!IsMetricsPath(context.Request.Path))
            {
                await next(context);
                return;
            }

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

            var page = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
            if (context.Response.StatusCode == StatusCodes.Status200OK)
            {
                page = await AppendAsync(page, context.RequestServices, scenario, context.RequestAborted);
            }

            var bytes = Encoding.UTF8.GetBytes(page);
            context.Response.ContentLength = bytes.Length;
            await original.WriteAsync(bytes, context.RequestAborted);
        });
        app.MapPrometheusScrapingEndpoint(Path).WithMetadata(new HttpMethodMetadata(["GET", "HEAD"])); // as /healthz: not every method
        return app;
    }

    /// <summary>
    /// Every path routing sends to the exporter: routes match without regard to case or a trailing slash, so
    /// <c>/METRICS</c> and <c>/metrics/</c> reach the same page and must carry the same appended series.
    /// </summary>
    private static bool IsMetricsPath(PathString path) =>
        path.Equals(Path, StringComparison.OrdinalIgnoreCase) || path.Equals(Path + "/", StringComparison.OrdinalIgnoreCase);

    private static async Task<string> AppendAsync(string page, IServiceProvider services, ScenarioRead scenario, CancellationToken cancellationToken)
    {
        const string eof = "# EOF\n";
        var openMetrics = page.EndsWith(eof, StringComparison.Ordinal);
        var extra = new StringBuilder();
        PrometheusText.WriteSimulation(extra, services.GetRequiredService<SimulationMetrics>(), openMetrics);
        await KeepRunningScenarioAsync(services.GetRequiredService<NodeHistograms>(), scenario, cancellationToken);
        PrometheusText.WriteNodeHistograms(extra, services.GetRequiredService<NodeHistograms>());
        PrometheusText.WriteStepDurations(extra, services.GetRequiredService<SimulationMetrics>());
        PrometheusText.WriteTopStragglers(extra, services.GetRequiredService<SimulationMetrics>());
        var telemetry = services.GetRequiredService<IOptions<TelemetryOptions>>().Value;
        if (telemetry.PerNode)
        {
            PrometheusText.WriteNodeGauges(extra, services.GetRequiredService<NodeGauges>());
        }

        if (telemetry.Dcgm)
        {
            await services.GetRequiredService<DcgmWriter>().WriteAsync(extra, cancellationToken);
        }

        return openMetrics
            ? string.Concat(page.AsSpan(0, page.Length - eof.Length), extra.ToString(), eof)
            : page + extra;
    }

    /// <summary>
    /// Takes the node histograms of a scenario no longer loaded off the page: a scenario loaded under the name of the one
    /// before, with other sites or generations, left the other's series there (found by probing: a page of 767k series),
    /// as the histograms drop another scenario's series only when a block adds under another name. Keeps the (site,
    /// generation) series of the job's scenario now, as the scrape read it (<paramref name="read"/>: the one the job's
    /// figures were told, where they were; found by review, a second read here shipped an uploaded scenario's whole source
    /// again, and could find a scenario loaded since); where the job cannot be asked in time, the page stays as it is.
    /// </summary>
    private static async Task KeepRunningScenarioAsync(NodeHistograms histograms, ScenarioRead read, CancellationToken cancellationToken)
    {
        if (histograms.IsEmpty)
        {
            return; // no block here: nothing to prune, and no job to ask
        }

        Model.Scenarios.Scenario? scenario;
        try
        {
            scenario = await read.GetAsync().WaitAsync(ScenarioWait, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return;
        }

        if (scenario is not null)
        {
            histograms.Keep(scenario.Name, scenario.Sites.SelectMany(s => s.Nodes.Select(n => (s.Name, n.Generation.Name))));
        }
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
}
