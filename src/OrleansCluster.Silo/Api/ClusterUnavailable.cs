using System.Globalization;
using Orleans.Runtime.Messaging;

namespace OrleansCluster.Silo.Api;

/// <summary>
/// Answers a call that failed because a silo of the cluster was lost under it (the grain it reached was on a silo
/// that has just died, and the cluster has not yet declared it dead and placed the grain again) with 503 problem
/// details and <c>Retry-After</c>, rather than a 500 with a stack trace; a grain call that timed out likewise, with
/// its own title and a longer wait. It lasts the second or few the membership
/// takes to notice; a read can simply be retried. A change may or may not have been made when the silo died: the
/// detail says to read it back, or to retry an injection with the same <c>Idempotency-Key</c>.
/// </summary>
public sealed partial class ClusterUnavailable(ILogger<ClusterUnavailable> logger) : IEndpointFilter
{
    /// <summary>Seconds a client is asked to wait: about how long the membership takes to declare a killed silo dead.</summary>
    public const int RetryAfterSeconds = 2;

    /// <summary>
    /// Seconds a client is asked to wait after a grain call that timed out (the grain's silo lost without a word, or
    /// the grain busy: the job laying a large scenario out holds its calls for tens of seconds).
    /// </summary>
    public const int TimedOutRetryAfterSeconds = 10;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        try
        {
            return await next(context);
        }
        catch (Exception e) when (IsSiloLoss(e))
        {
            var request = context.HttpContext.Request;
            var failure = Innermost(e);
            var timedOut = failure is TimeoutException;
            var wait = timedOut ? TimedOutRetryAfterSeconds : RetryAfterSeconds;
            LogUnavailable(logger, request.Method, request.Path, timedOut ? "a call timed out" : "a silo was lost during the call", failure.GetType().Name, failure.Message);
            context.HttpContext.Response.Headers.RetryAfter = wait.ToString(CultureInfo.InvariantCulture);
            var change = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)
                ? string.Empty
                : "; the change may or may not have been made: read it back, or retry an injection with the same Idempotency-Key";
            return TypedResults.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: timedOut ? "Grain call timed out" : "Cluster unavailable",
                detail: timedOut
                    ? $"a grain did not answer within its response timeout (its silo lost, or the grain busy: the job holds its calls while it lays a scenario out), and may still carry the call out{change}; retry after {wait} s"
                    : $"a silo of the cluster was lost during the call ({failure.GetType().Name}){change}; retry after {wait} s");
        }
    }

    /// <summary>
    /// Whether <paramref name="e"/> (or what it wraps) is a grain call lost with a silo: the target silo unavailable,
    /// the message rejected because its silo left, the connection to it failed, or the call timed out.
    /// </summary>
    public static bool IsSiloLoss(Exception e) =>
        Chain(e).Any(c => c is OrleansMessageRejectionException or ConnectionFailedException or TimeoutException);

    private static Exception Innermost(Exception e) =>
        Chain(e).FirstOrDefault(c => c is OrleansMessageRejectionException or ConnectionFailedException or TimeoutException) ?? e;

    private static IEnumerable<Exception> Chain(Exception e)
    {
        for (var current = e; current is not null; current = current.InnerException)
        {
            yield return current;
            if (current is AggregateException { InnerExceptions.Count: > 1 } aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.Skip(1).SelectMany(Chain))
                {
                    yield return inner;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path}: {What} ({Error}: {Message}); answered 503")]
    private static partial void LogUnavailable(ILogger logger, string method, string path, string what, string error, string message);
}
