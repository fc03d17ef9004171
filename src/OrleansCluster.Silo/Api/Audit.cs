using System.Text.RegularExpressions;
using OrleansCluster.Grains;

namespace OrleansCluster.Silo.Api;

/// <summary>
/// Writes one audit line per admin mutation: who (the key's fingerprint and the remote address), what (method,
/// route, a summary of the body), when (the log's timestamp) and the outcome (the status code the client got, the
/// address of what was created, and what the handler answered a client that had gone).
/// </summary>
public sealed partial class Audit(ILogger<Audit> logger) : IEndpointFilter
{
    internal const string BodyKey = "audit.body";
    private const int SummaryLength = 200;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        if (http.GetEndpoint()?.Metadata.GetMetadata<AuditedMutation>() is null)
        {
            return await next(context); // a read
        }

        // Written once the response is complete, with the status the client got: a filter outside this one (the 503
        // of a silo lost under the call) or the exception handler (a 500) decides it after this filter has returned.
        // What the handler answered is kept beside it. Found by probing: a client that hung up while its injection
        // was being made was audited "-> 499" only, though the fault was made and in force, and no line said so; the
        // line now gives what the handler answered (and where it created something, its address: a fault's id).
        IResult? answered = null;
        http.Response.OnCompleted(() =>
        {
            if (logger.IsEnabled(LogLevel.Information))
            {
                var caller = Caller(http);
                var body = Summary(http);
                // Percent-encoded, the query with it (a parameter refused names what was asked); escaped all the same.
                var path = LogText.Escape(http.Request.Path + http.Request.QueryString);
                var outcome = Outcome(http, answered);
                LogMutation(logger, caller, http.Request.Method, path, body, http.Response.StatusCode, outcome);
            }

            return Task.CompletedTask;
        });
        var result = await next(context);
        answered = result as IResult;
        return result;
    }

    // After the status: the address of what a 2xx created ("-> 201 /api/faults/f-000012"), and for a client gone before
    // its answer (Kestrel's 499) what the handler had answered, or that it had not, so that an auditor can tell a change
    // made from one withdrawn.
    internal static string Outcome(HttpContext http, IResult? answered)
    {
        while (answered is INestedHttpResult nested)
        {
            answered = nested.Result;
        }

        var status = (answered as IStatusCodeHttpResult)?.StatusCode;
        // Written by the result (Created's Location header) whether or not the client was still there to read it.
        var location = status is >= 200 and < 300 && http.Response.Headers.Location.ToString() is { Length: > 0 } where ? LogText.Escape(where) : null;
        if (http.Response.StatusCode == StatusCodes.Status499ClientClosedRequest)
        {
            return status is { } made
                ? $" (client gone before the answer; the handler answered {made}{(location is null ? string.Empty : " " + location)})"
                : " (client gone before the answer; the handler gave none)";
        }

        // Found by review: a replay of an Idempotency-Key read as a second creation of the same fault.
        var replayed = http.Response.Headers[Idempotency.ReplayedHeader].ToString() == "true" ? " (replayed)" : string.Empty;
        return (location is null ? string.Empty : " " + location) + replayed;
    }

    private static string Caller(HttpContext http) => $"{http.User.Identity?.Name ?? "anonymous"}@{http.Connection.RemoteIpAddress?.ToString() ?? "local"}";

    private static string Summary(HttpContext http)
    {
        if (http.Items[BodyKey] is not string body || body.Length == 0)
        {
            return "-";
        }

        // Layout whitespace folds to one space; whatever control characters remain are escaped, so that a body
        // can neither start a forged log line nor send escape sequences to the terminal reading the log.
        var flat = Whitespace().Replace(body, " ").Trim();
        var summary = flat.Length <= SummaryLength ? flat : string.Concat(flat.AsSpan(0, SummaryLength), $"... ({body.Length} chars)");
        return LogText.Escape(summary);
    }

    [GeneratedRegex("[ \t\r\n]+")]
    private static partial Regex Whitespace();

    [LoggerMessage(Level = LogLevel.Information, Message = "audit: {Caller} {Method} {Path} {Body} -> {Status}{Outcome}")]
    private static partial void LogMutation(ILogger logger, string caller, string method, string path, string body, int status, string outcome);
}

/// <summary>
/// Marks a route as a mutation that <see cref="Audit"/> writes a line for. The audit sits on the whole <c>/api</c>
/// group, outside the refusal of unknown query parameters, so that a mutation refused for one is audited too (found by
/// review: with the refusal outside it, <c>DELETE /api/faults?id=f-000001</c> answered 400 with no audit line).
/// </summary>
internal sealed class AuditedMutation
{
    public static readonly AuditedMutation Instance = new();

    private AuditedMutation()
    {
    }
}
