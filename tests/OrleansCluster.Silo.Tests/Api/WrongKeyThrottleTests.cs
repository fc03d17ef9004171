using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using OrleansCluster.Testing;

namespace OrleansCluster.Silo.Tests.Api;

/// <summary>
/// A flood of wrong keys from one address over real HTTP (Kestrel on 127.0.0.1): past the allowance they are answered
/// 429 with Retry-After, the right key still works from that address, and the log stays a few lines long.
/// </summary>
public sealed class WrongKeyThrottleTests : KestrelSiloTest
{
    private const int Allowance = 5;
    private readonly int _httpPort;

    public WrongKeyThrottleTests()
        : this(ManagedProcess.FreePort())
    {
    }

    private WrongKeyThrottleTests(int httpPort)
        : base(Silo(httpPort)) => _httpPort = httpPort;

    private static SiloFactory Silo(int httpPort) =>
        new SiloFactory
        {
            Pace = "realtime",
            Settings = new Dictionary<string, string>
            {
                ["Simulation:Speed"] = "20",
                ["Admin:FailedKeysPerWindow"] = Allowance.ToString(CultureInfo.InvariantCulture),
                ["Admin:FailedKeyWindowSeconds"] = "5",
                ["urls"] = $"http://127.0.0.1:{httpPort}",
            },
        };

    [Fact]
    public async Task WrongKeysPastTheAllowanceGet429TheRightKeyStillPassesAndTheLogStaysShort()
    {
        using var wrong = Client("not-the-key");
        using var right = Client(SiloFactory.AdminKey);

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 200; i++)
        {
            var response = await wrong.GetAsync("/api/faults", AdminClient.Ct);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused ??= response;
                continue;
            }

            response.Dispose();
        }

        Assert.All(statuses.Take(Allowance), s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.NotNull(refused);
        Assert.True(statuses.Count(s => s == HttpStatusCode.TooManyRequests) > 100, string.Join(' ', statuses.Select(s => (int)s)));
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(refused.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.OK, (await right.GetAsync("/api/faults", AdminClient.Ct)).StatusCode);
        refused.Dispose();

        // One line for the first rejection of a window, one summary at its end: not one (or three) per request.
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (!Factory.Logs.Any(l => l.Contains("failed authentications from 127.0.0.1", StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200, AdminClient.Ct);
        }

        var lines = Factory.Logs.Where(l => l.Contains("ApiKey was", StringComparison.Ordinal) || (l.Contains("127.0.0.1", StringComparison.Ordinal) && (l.Contains("rejected", StringComparison.Ordinal) || l.Contains("authenticat", StringComparison.Ordinal)))).ToArray();
        Assert.Contains(lines, l => l.Contains("audit: rejected GET /api/faults from 127.0.0.1: wrong admin key", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("failed authentications from 127.0.0.1 in the last", StringComparison.Ordinal));
        Assert.InRange(lines.Length, 2, 20);
    }

    private HttpClient Client(string key)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_httpPort}") };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }
}
