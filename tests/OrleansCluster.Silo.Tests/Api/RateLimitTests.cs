using System.Net;

namespace OrleansCluster.Silo.Tests.Api;

public sealed class RateLimitTests : IAsyncLifetime
{
    private readonly SiloFactory _factory = new()
    {
        Pace = "realtime",
        Settings = new Dictionary<string, string> { ["Admin:MutationBurst"] = "3", ["Admin:MutationsPerSecond"] = "1" },
    };

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task MutationsBeyondTheBurstGet429AndReadsDoNot()
    {
        using var client = _factory.CreateAdminClient();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            statuses.Add((await client.PostJsonAsync("/api/job/pause")).Status);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], statuses.Take(3));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[4]);
        var (status, problem, response) = await client.PostJsonAsync("/api/job/resume");
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.Equal("https://www.rfc-editor.org/rfc/rfc6585#section-4", problem.GetProperty("type").GetString());
        Assert.Contains("per admin key on this silo", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/cluster", AdminClient.Ct)).StatusCode);

        // The bucket is the key's, not the connection's: another client with the same key finds it spent too.
        using var other = _factory.CreateAdminClient();
        Assert.Equal(HttpStatusCode.TooManyRequests, (await other.PostJsonAsync("/api/job/pause")).Status);
    }
}
