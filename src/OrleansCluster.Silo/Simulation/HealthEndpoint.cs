using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace OrleansCluster.Silo.Simulation;

/// <summary>
/// <c>/healthz</c>, open: 200 while healthy, 503 when not, with a small JSON body that says why (the default
/// writer prints one word, which leaves an operator guessing why a silo is out of rotation).
/// </summary>
internal static class HealthEndpoint
{
    /// <summary>How long each check's grain has to answer before the check calls it unresponsive.</summary>
    public static readonly TimeSpan CheckDeadline = TimeSpan.FromSeconds(5);

    public static WebApplication MapHealthEndpoint(this WebApplication app)
    {
        // GET and HEAD only (found by probing: every method answered, TRACE and DELETE included).
        app.MapHealthChecks("/healthz", new HealthCheckOptions { ResponseWriter = WriteAsync }).WithMetadata(new HttpMethodMetadata(["GET", "HEAD"]));
        return app;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(
                e => e.Key,
                e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body), context.RequestAborted);
    }
}
