using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Silo.Simulation;

/// <summary>
/// <c>/healthz</c>, open: 200 while healthy, 503 when not, with a small JSON body that says why (the default
/// writer prints one word, which leaves an operator guessing why a silo is out of rotation).
/// </summary>
internal static class HealthEndpoint
{
    /// <summary>How long each check's grain has to answer before the check calls it unresponsive.</summary>
    public static readonly TimeSpan CheckDeadline = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a record may go unwritten (its writes failing: storage out of reach) before the check calls the silo
    /// degraded: writes are tried each second, so a storage restart of a few seconds passes unremarked.
    /// </summary>
    public static readonly TimeSpan UnwrittenBound = TimeSpan.FromSeconds(10);

    /// <summary>The reason a check is degraded, when <paramref name="what"/> has gone unwritten past the bound; null otherwise.</summary>
    public static string? Unwritten(string what, UnwrittenRecord? unwritten) =>
        unwritten is { } u && u.Seconds >= UnwrittenBound.TotalSeconds
            ? $"{what} not written to storage for {u.Seconds:F0} s (writes tried again each second; a silo lost now loses what changed since): {u.LastError}"
            : null;

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
