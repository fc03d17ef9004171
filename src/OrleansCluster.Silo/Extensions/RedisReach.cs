using System.Net;
using StackExchange.Redis;

namespace OrleansCluster.Silo.Extensions;

/// <summary>
/// Refuses a start in cluster mode (<c>Orleans:Clustering=Redis</c>) whose Redis does not answer, in one line and exit
/// code 1, as a taken port does. Found by probing: Orleans' membership failed to connect as the host started, logged two
/// stack traces, and its <c>RedisConnectionException</c> left <c>host.Run</c> unhandled: a third trace and an abort
/// (exit code 134). One connection is made here before the host is built, with the connection string's own options
/// (its <c>connectTimeout</c>, 5 s unless it says otherwise; <c>abortConnect=false</c> keeps Orleans' retries and
/// refuses nothing), and closed again.
/// </summary>
internal static class RedisReach
{
    /// <summary>Why this silo must not start (its Redis out of reach, named with the key to change), or null.</summary>
    public static async Task<string?> RedisOutOfReachAsync(this WebApplicationBuilder builder)
    {
        var options = OrleansHostOptionsValidator.Read(builder);
        if (!options.IsRedis || options.Redis is not { } connectionString)
        {
            return null;
        }

        ConfigurationOptions configuration;
        try
        {
            configuration = ConfigurationOptions.Parse(connectionString);
        }
        catch (ArgumentException e)
        {
            return $"the silo did not start: Orleans:Redis is not a Redis connection string: {e.Message}";
        }

        try
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync(configuration);
            return null;
        }
        catch (RedisConnectionException e)
        {
            // The endpoints alone: the connection string may hold a password.
            var endpoints = string.Join(", ", configuration.EndPoints.Select(Describe));
            return $"the silo did not start: no Redis answered at {endpoints} (Orleans:Redis) within {configuration.ConnectTimeout / 1000.0:0.#} s ({e.FailureType}): start Redis, or point Orleans:Redis at it";
        }
    }

    private static string Describe(EndPoint endpoint) => endpoint switch
    {
        DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        _ => endpoint.ToString() ?? string.Empty,
    };
}
