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
        // Whether a write that failed with storage down landed is not known until storage answers again, so the
        // registry answers reads 503 too rather than from a memory that may disagree with storage (found by probing).
        var (listed, listProblem, _) = await _client.SendJsonAsync(HttpMethod.Get, "/api/faults");
        Assert.True(listed == HttpStatusCode.ServiceUnavailable, $"{(int)listed} {listProblem}");

        _redis = StartRedis(); // back on the same port, from its append-only file
        var retried = await RetryUntilStoredAsync(Fault, "outage-retry-1");
        var (again, replayed, _) = await PostKeyedAsync(Fault, "outage-retry-1");

        Assert.Equal("f-000002", retried.GetProperty("id").GetString()); // the failed write took no id either
        Assert.Equal(HttpStatusCode.Created, again);
        Assert.Equal(retried.GetProperty("id").GetString(), replayed.GetProperty("id").GetString());
        Assert.Equal([keptId, retried.GetProperty("id").GetString()!], await FaultIdsAsync()); // neither the 503'd injection nor the 503'd clear took effect
        var (clearedNow, _, _) = await _client.SendJsonAsync(HttpMethod.Delete, $"/api/faults/{keptId}");
        Assert.Equal(HttpStatusCode.OK, clearedNow); // the registry's next write finds its stored state as it left it
    }

    [Fact]
    public async Task AFaultThatExpiresWhileRedisIsDownIsTakenBackAndTheRegistryGoesOnExpiringFaults()
    {
        // A job that ran and is paused: its blocks hold the effects the registry pushes, and count them once it resumes.
        Assert.Equal(HttpStatusCode.OK, (await _client.PostJsonAsync("/api/job/start")).Status);
        await _client.WaitForClusterAsync(c => c.Step() >= 1, "the job's first step");
        var (paused, pausedJob, _) = await _client.PostJsonAsync("/api/job/pause");
        Assert.True(paused == HttpStatusCode.OK && pausedJob.GetProperty("state").GetString() == "paused", $"{(int)paused} {pausedJob}");
        var early = await InjectAsync("""{"kind":"node.crash","target":{"node":"west-00007"},"durationSeconds":15}""");
        var late = await InjectAsync("""{"kind":"node.crash","target":{"node":"west-00008"},"durationSeconds":45}""");

        await _redis!.DisposeAsync(); // SIGKILL, before either fault expires
        _redis = null;
        Assert.Contains(early, await FaultIdsAsync());
        await WaitUntilAsync(async () => !(await FaultIdsAsync()).Contains(early), "the first fault to expire, Redis down");
        await WaitUntilAsync(() => IsHealthyAsync("west-00007"), "west-00007 to be told its crash is over, though its expiry could not be written");
        // The expiry it could not write, tried again each second: each try waits out the Redis client's 5 s, so the
        // registry answers in its turn order either between tries (degraded, with how long) or not within the check's
        // 5 s (unhealthy). Either way not healthy.
        var faults = (await WaitForHealthAsync(h => h.GetProperty("checks").GetProperty("faults").GetProperty("status").GetString() != "Healthy", "faults not healthy"))
            .GetProperty("checks").GetProperty("faults");
        var reason = faults.GetProperty("description").GetString()!;
        Assert.True(reason.Contains("the faults not written to storage for", StringComparison.Ordinal) || reason.Contains("does not answer", StringComparison.Ordinal), reason);

        _redis = StartRedis(); // back on the same port, from its append-only file
        // Nothing calls the registry from here on: only its own timer, kept going through the failed write, ends the second.
        await WaitUntilAsync(async () => (await FaultIdsAsync()).Length == 0, $"the second fault ({late}) to expire on the registry's timer");
        Assert.True(await IsHealthyAsync("west-00007"));
        Assert.True(await IsHealthyAsync("west-00008"));
        await WaitForHealthAsync("Healthy"); // the expiry written at last

        var resumed = await RetryUntilOkAsync("/api/job/resume"); // 503 while the silo reconnects to Redis
        var cluster = await _client.WaitForClusterAsync(c => c.Step() > resumed.GetProperty("step").GetInt64() + 2, "steps after the resume");
        Assert.Equal(0, DownNodes(cluster));
        Assert.Equal(0, cluster.GetProperty("job").GetProperty("evictedNodes").GetInt32());

        var after = await InjectAsync("""{"kind":"node.slowdown","target":{"node":"west-00009"},"params":{"factor":2},"durationSeconds":2}""");
        await WaitUntilAsync(async () => !(await FaultIdsAsync()).Contains(after) && await IsHealthyAsync("west-00009"), "a fault injected after the outage to expire");
    }

    [Fact]
    public async Task ASiloWhoseJobCannotWriteItsRecordIsDegradedWhileItStepsOnAndHealthyOnceTheRecordIsWritten()
    {
        // Found by probing: /healthz said healthy through a Redis outage of any length, while a silo lost meanwhile
        // took every step since the last write with it.
        Assert.Equal(HttpStatusCode.OK, (await _client.PostJsonAsync("/api/job/start")).Status);
        await _client.WaitForClusterAsync(c => c.Step() >= 1, "the job's first step");
        var (_, before) = await HealthAsync();
        Assert.Equal("Healthy", before.GetProperty("status").GetString());

        await _redis!.DisposeAsync(); // SIGKILL
        _redis = null;
        var stepAtOutage = (await _client.GetJsonAsync("/api/cluster")).Step();
        var degraded = await WaitForHealthAsync("Degraded");
        var job = degraded.GetProperty("checks").GetProperty("job");
        Assert.Equal("Degraded", job.GetProperty("status").GetString());
        Assert.Contains("the job's record not written to storage for", job.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal("Healthy", degraded.GetProperty("checks").GetProperty("faults").GetProperty("status").GetString()); // it holds nothing unwritten

        // Still in rotation (200), still stepping, and the job says how long and why.
        var (status, _) = await HealthAsync();
        Assert.Equal(HttpStatusCode.OK, status);
        var cluster = await _client.WaitForClusterAsync(c => c.Step() > stepAtOutage + 2, "steps through the outage");
        var unwritten = cluster.GetProperty("job").GetProperty("unwritten");
        Assert.True(unwritten.GetProperty("seconds").GetDouble() >= 10, unwritten.ToString());
        Assert.False(string.IsNullOrWhiteSpace(unwritten.GetProperty("lastError").GetString()), unwritten.ToString());

        _redis = StartRedis(); // back on the same port, from its append-only file
        await WaitForHealthAsync("Healthy");
        var written = await _client.GetJsonAsync("/api/cluster");
        Assert.True(!written.GetProperty("job").TryGetProperty("unwritten", out var gone) || gone.ValueKind == JsonValueKind.Null, gone.ToString());
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> HealthAsync()
    {
        using var response = await _client.GetAsync("/healthz", AdminClient.Ct);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync(AdminClient.Ct)).RootElement.Clone());
    }

    private Task<JsonElement> WaitForHealthAsync(string status) =>
        WaitForHealthAsync(h => h.GetProperty("status").GetString() == status, status);

    private async Task<JsonElement> WaitForHealthAsync(Func<JsonElement, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            var (_, body) = await HealthAsync();
            if (condition(body))
            {
                return body;
            }

            Assert.True(DateTime.UtcNow < deadline, $"/healthz not {what} after {Deadline}: {body}\n{_silo!.Output}");
            await Task.Delay(500, AdminClient.Ct);
        }
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

    // Retries a POST answered 503 (storage not reachable yet) until it succeeds; returns its body.
    private async Task<JsonElement> RetryUntilOkAsync(string path)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            var (status, body, _) = await _client.PostJsonAsync(path);
            if (status == HttpStatusCode.OK)
            {
                return body;
            }

            Assert.True(status == HttpStatusCode.ServiceUnavailable, $"{(int)status} {body}");
            Assert.True(DateTime.UtcNow < deadline, $"still 503 after {Deadline}\n{_silo!.Output}");
            await Task.Delay(500, AdminClient.Ct);
        }
    }

    private async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}\n{_silo!.Output}");
            await Task.Delay(250, AdminClient.Ct);
        }
    }

    private async Task<string> InjectAsync(string json)
    {
        var (status, body, _) = await _client.PostJsonAsync("/api/faults", json);
        Assert.True(status == HttpStatusCode.Created, $"{(int)status} {body}");
        return body.GetProperty("id").GetString()!;
    }

    private async Task<bool> IsHealthyAsync(string node) =>
        (await _client.GetJsonAsync($"/api/nodes/{node}")).GetProperty("state").GetString() == "healthy";

    private static int DownNodes(JsonElement cluster) =>
        cluster.GetProperty("sites").EnumerateArray().SelectMany(s => s.GetProperty("generations").EnumerateArray()).Sum(g => g.GetProperty("down").GetInt32());

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
