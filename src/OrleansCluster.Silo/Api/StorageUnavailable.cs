using System.Globalization;
using Orleans.Persistence.Redis;
using Orleans.Storage;
using OrleansCluster.Grains.Faults;
using StackExchange.Redis;

namespace OrleansCluster.Silo.Api;

/// <summary>
/// Answers a mutation whose durable write failed because storage (Redis) is out of reach with 503 problem details
/// and <c>Retry-After</c>, rather than a 500. The grains change nothing in memory unless their write succeeded, so
/// the caller can retry (with the same <c>Idempotency-Key</c> for an injection). The fault registry and the job read their
/// state back after a write that timed out, and answer 503 only when storage does not hold the change (or cannot be read yet).
/// </summary>
public sealed partial class StorageUnavailable(ILogger<StorageUnavailable> logger) : IEndpointFilter
{
    /// <summary>Seconds a client is asked to wait: about how long a Redis restart or failover takes.</summary>
    public const int RetryAfterSeconds = 5;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        try
        {
            return await next(context);
        }
        catch (Exception e) when (IsStorageFailure(e))
        {
            LogUnavailable(logger, context.HttpContext.Request.Method, context.HttpContext.Request.Path, e.GetType().Name, e.Message);
            context.HttpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            return TypedResults.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "Storage unavailable",
                detail: Detail(e, HttpMethods.IsGet(context.HttpContext.Request.Method) || HttpMethods.IsHead(context.HttpContext.Request.Method)));
        }
    }

    private static string Detail(Exception e, bool read)
    {
        if (Find<WriteNotMadeException>(e) is not null)
        {
            return $"durable storage did not answer the change's write in time; read back, storage does not hold it: the change was not made; retry after {RetryAfterSeconds} s";
        }

        if (Find<WriteUnsettledException>(e) is not null)
        {
            // The registry answers no call until it has read its state back, so a read that answers tells the truth.
            return read
                ? $"the fault registry's last write timed out and durable storage cannot be read back yet: it answers nothing until it can; retry after {RetryAfterSeconds} s"
                : $"durable storage did not answer the change's write in time and cannot be read back yet: whether the change was made is not known, and no change is taken (the fault registry answers nothing, the job neither steps nor takes a control call) until storage can be read back (reads then tell the truth); retry after {RetryAfterSeconds} s (an injection with the same Idempotency-Key is made once)";
        }

        return TimedOut(e)
            ? $"durable storage did not answer the change's write in time: the change was undone here, but storage may still run the write; retry after {RetryAfterSeconds} s (an injection with the same Idempotency-Key is made once)"
            : $"the change could not be written to durable storage and was not made; retry after {RetryAfterSeconds} s";
    }

    private static T? Find<T>(Exception e)
        where T : Exception
    {
        for (var current = e; current is not null; current = current.InnerException)
        {
            if (current is T found)
            {
                return found;
            }

            if (current is AggregateException { InnerExceptions.Count: 1 } aggregate && Find<T>(aggregate.InnerExceptions[0]) is { } inner)
            {
                return inner;
            }
        }

        return null;
    }

    // A write that timed out was sent: storage that was slow rather than gone (a paused Redis) runs it later. Orleans'
    // Redis storage names the client's timeout only in its message (the exception it wraps does not cross the grain
    // call), hence the name's match.
    private static bool TimedOut(Exception e)
    {
        for (var current = e; current is not null; current = current.InnerException)
        {
            if (current is TimeoutException || current.Message.Contains(nameof(StackExchange.Redis.RedisTimeoutException), StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether <paramref name="e"/> (or what it wraps) is durable storage out of reach: a Redis connection or timeout
    /// error, Orleans' storage wrapper of one, a write refused for a stale ETag (not made; a retry is), or the fault
    /// registry's word that a write that failed so was not made, or that it cannot read its state back yet.
    /// </summary>
    public static bool IsStorageFailure(Exception e)
    {
        for (var current = e; current is not null; current = current.InnerException)
        {
            if (current is InconsistentStateException)
            {
                // Found by probing: a write refused for a stale ETag answered 500. Each grain is the one writer of its
                // state, so the stored ETag is ahead only when an earlier write's answer was lost (storage answered
                // late) or a duplicate activation wrote: the refused write was not made, and Orleans deactivates the
                // grain, so a retry finds the stored state.
                return true;
            }

            if (current is RedisException or RedisStorageException or WriteNotMadeException or WriteUnsettledException)
            {
                return true;
            }

            if (current is AggregateException { InnerExceptions.Count: 1 } aggregate && IsStorageFailure(aggregate.InnerExceptions[0]))
            {
                return true;
            }
        }

        return false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path}: durable storage unavailable ({Error}: {Message}); answered 503")]
    private static partial void LogUnavailable(ILogger logger, string method, string path, string error, string message);
}
