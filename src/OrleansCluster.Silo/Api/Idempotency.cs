using Microsoft.AspNetCore.Http.HttpResults;

namespace OrleansCluster.Silo.Api;

/// <summary>
/// The <c>Idempotency-Key</c> request header of fault injections: a retry with the same key and body answers what
/// the first call made, without making it again (the registry keeps the keys, in durable state).
/// </summary>
public static class Idempotency
{
    /// <summary>The request header.</summary>
    public const string Header = "Idempotency-Key";

    /// <summary>The response header set on an answer replayed for a key seen before.</summary>
    public const string ReplayedHeader = "Idempotent-Replayed";

    /// <summary>Longest key accepted.</summary>
    public const int MaxKeyLength = 200;

    /// <summary>The key the request carries (null when none), or a 400 problem naming the header when it is malformed.</summary>
    public static (string? Key, ValidationProblem? Problem) ReadKey(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.Request.Headers.TryGetValue(Header, out var values))
        {
            return (null, null);
        }

        var key = values.Count == 1 ? values[0] : null;
        if (string.IsNullOrEmpty(key) || key.Length > MaxKeyLength || !key.All(c => c is >= '!' and <= '~'))
        {
            return (null, Problems.Validation(Header, $"one key of 1 to {MaxKeyLength} visible ASCII characters"));
        }

        return (key, null);
    }
}
