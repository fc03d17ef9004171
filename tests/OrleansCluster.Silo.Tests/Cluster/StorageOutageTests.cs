using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using OrleansCluster.Silo.Tests.Api;
using OrleansCluster.Testing;

namespace OrleansCluster.Silo.Tests.Cluster;

/// <summary>
/// Cluster mode with a real Redis and a silo process on 127.0.0.1, and Redis killed (SIGKILL) under it. Writes
/// answered while Redis is down get 503 with Retry-After and change nothing; once Redis is back (restarted on the
/// same port from its append-only file, so that the membership table and the grains' state survive, as a
/// production Redis with persistence would), a retry with the same Idempotency-Key makes the fault exactly once.
/// Killing rather than pausing Redis (SIGSTOP) is deliberate: a paused Redis runs the write it was sent once it
/// continues, after the client has given up on it, which is a different failure (a lost acknowledgement).
/// </summary>
public sealed class StorageOutageTests : IAsyncLifetime
{
    private const string Key = "outage-test-key";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private readonly int _redisPort = ManagedProcess.FreePort();
    private readonly int _httpPort = ManagedProcess.FreePort();
    private readonly string _redisDirectory = Directory.CreateTempSubdirectory("orleanscluster-redis-").FullName;
    private ManagedProcess? _redis;
    private ManagedProcess? _silo;
    private HttpClient _client = null!;

    public async ValueTask InitializeAsync()
    {
        _redis = StartRedis();
        _silo = ManagedProcess.StartSilo(_httpPort,
        [
            "--Admin:ApiKey", Key, "--Simulation:Pace", "realtime", "--Simulation:Speed", "20", "--Simulation:BlockSize", "64", "--Simulation:StartOnLaunch", "false",
            "--Orleans:Clustering", "Redis", "--Orleans:Redis", $"127.0.0.1:{_redisPort}", "--Orleans:ClusterId", $"outage-{Guid.NewGuid():N}",
            "--Orleans:SiloPort", Port(ManagedProcess.FreePort()), "--Orleans:GatewayPort", Port(ManagedProcess.FreePort()),
        ]);
        await _silo.WaitUntilAnsweringAsync($"http://127.0.0.1:{_httpPort}/healthz");
        _client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_httpPort}"), Timeout = TimeSpan.FromSeconds(40) };
        _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        var (loaded, body, _) = await _client.SendJsonAsync(HttpMethod.Put, "/api/scenario", """{"preset":"small"}""");
        Assert.True(loaded == HttpStatusCode.OK, body.ToString());
        await _client.PostJsonAsync("/api/job/stop"); // the registry is what is under test: no job writing beside it
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        Directory.Delete(_redisDirectory, recursive: true);
    }

    [Fact]
    public async Task WritesDuringARedisOutageAnswer503AndChangeNothingAndAKeyedRetryInjectsOnce()
    {
        var (made, kept, _) = await _client.PostJsonAsync("/api/faults", """{"kind":"node.slowdown","target":{"node":"east-00001"},"params":{"factor":2}}""");
        Assert.Equal(HttpStatusCode.Created, made);
        var keptId = kept.GetProperty("id").GetString()!;

        await _redis!.DisposeAsync(); // SIGKILL
        _redis = null;
        const string Fault = """{"kind":"node.crash","target":{"node":"east-00002"}}""";
        var (injected, injectProblem, injectResponse) = await PostKeyedAsync(Fault, "outage-retry-1");
        var (cleared, _, clearResponse) = await _client.SendJsonAsync(HttpMethod.Delete, $"/api/faults/{keptId}");

        Assert.True(injected == HttpStatusCode.ServiceUnavailable, $"{(int)injected} {injectProblem}\n{_silo!.Output}");
        Assert.Equal("application/problem+json", injectResponse.Content.Headers.ContentType?.MediaType);
        Assert.True(injectResponse.Headers.RetryAfter?.Delta > TimeSpan.Zero, "503 carries Retry-After");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, cleared);
        Assert.NotNull(clearResponse.Headers.RetryAfter);
        Assert.Equal([keptId], await FaultIdsAsync()); // neither the 503'd injection nor the 503'd clear took effect

        _redis = StartRedis(); // back on the same port, from its append-only file
        var retried = await RetryUntilStoredAsync(Fault, "outage-retry-1");
        var (again, replayed, _) = await PostKeyedAsync(Fault, "outage-retry-1");

        Assert.Equal("f-000002", retried.GetProperty("id").GetString()); // the failed write took no id either
        Assert.Equal(HttpStatusCode.Created, again);
        Assert.Equal(retried.GetProperty("id").GetString(), replayed.GetProperty("id").GetString());
        Assert.Equal([keptId, retried.GetProperty("id").GetString()!], await FaultIdsAsync());
        var (clearedNow, _, _) = await _client.SendJsonAsync(HttpMethod.Delete, $"/api/faults/{keptId}");
        Assert.Equal(HttpStatusCode.OK, clearedNow); // the registry's next write finds its stored state as it left it
    }

    private ManagedProcess StartRedis() =>
        ManagedProcess.Start(ManagedProcess.Tool("redis-server", "redis-server"),
            ["--port", Port(_redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", _redisDirectory]);

    // Retries as a client told "Retry-After" would, until Redis is reachable again and the injection is written.
    private async Task<JsonElement> RetryUntilStoredAsync(string json, string key)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            var (status, body, _) = await PostKeyedAsync(json, key);
            if (status == HttpStatusCode.Created)
            {
                return body;
            }

            Assert.True(status == HttpStatusCode.ServiceUnavailable, $"{(int)status} {body}");
            Assert.True(DateTime.UtcNow < deadline, $"still 503 after {Deadline}\n{_silo!.Output}");
            await Task.Delay(500, AdminClient.Ct);
        }
    }

    private async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> PostKeyedAsync(string json, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/faults") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", key);
        var response = await _client.SendAsync(request, AdminClient.Ct);
        var text = await response.Content.ReadAsStringAsync(AdminClient.Ct);
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone(), response);
    }

    private async Task<string[]> FaultIdsAsync() =>
        (await _client.GetJsonAsync("/api/faults")).EnumerateArray().Select(f => f.GetProperty("id").GetString()!).ToArray();

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
