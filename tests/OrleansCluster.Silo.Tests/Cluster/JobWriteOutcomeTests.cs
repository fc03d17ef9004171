using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using OrleansCluster.Silo.Tests.Api;
using OrleansCluster.Testing;

namespace OrleansCluster.Silo.Tests.Cluster;

/// <summary>
/// Cluster mode with a real Redis and a silo process on 127.0.0.1, and Redis paused (SIGSTOP) under a control call:
/// its write times out, and storage runs it once Redis continues. Found by probing: the call answered 503 "the change
/// was undone here", and storage then held the change the job said it did not make. The job reads its record back
/// (as the fault registry does): while it cannot, the call's 503 says whether it was made is not known and no other
/// change is taken; once it can, the job does what storage holds.
/// </summary>
public sealed class JobWriteOutcomeTests : IAsyncLifetime
{
    private const string Key = "outcome-test-key";
    private readonly int _redisPort = ManagedProcess.FreePort();
    private readonly int _httpPort = ManagedProcess.FreePort();
    private ManagedProcess? _redis;
    private ManagedProcess? _silo;
    private HttpClient _client = null!;

    public async ValueTask InitializeAsync()
    {
        _redis = ManagedProcess.Start(ManagedProcess.Tool("redis-server", "redis-server"),
            ["--port", Port(_redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
        _silo = ManagedProcess.StartSilo(_httpPort,
        [
            "--Admin:ApiKey", Key, "--Simulation:Pace", "realtime", "--Simulation:Speed", "20", "--Simulation:BlockSize", "64", "--Simulation:StartOnLaunch", "false",
            "--Orleans:Clustering", "Redis", "--Orleans:Redis", $"127.0.0.1:{_redisPort}", "--Orleans:ClusterId", $"outcome-{Guid.NewGuid():N}",
            "--Orleans:SiloPort", Port(ManagedProcess.FreePort()), "--Orleans:GatewayPort", Port(ManagedProcess.FreePort()),
        ]);
        await _silo.WaitUntilAnsweringAsync($"http://127.0.0.1:{_httpPort}/healthz");
        _client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_httpPort}"), Timeout = TimeSpan.FromSeconds(60) };
        _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        if (_redis is not null)
        {
            await _redis.SignalAsync("CONT"); // a paused Redis would hold the silo's shutdown
        }

        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    [Fact]
    public async Task AResumeWhoseWriteRedisRunsLateIsNotAnsweredUndoneAndTheJobRunsAsStorageHoldsIt()
    {
        var (loaded, body, _) = await _client.SendJsonAsync(HttpMethod.Put, "/api/scenario", """{"preset":"small"}""");
        Assert.True(loaded == HttpStatusCode.OK, body.ToString());
        await _client.SendJsonAsync(HttpMethod.Put, "/api/job/pace", """{"mode":"realtime","speed":50}""");
        await _client.WaitForClusterAsync(c => c.Step() >= 3, "the job to step");
        var (paused, pauseBody, _) = await _client.PostJsonAsync("/api/job/pause"); // a paused job writes nothing on its own
        Assert.True(paused == HttpStatusCode.OK, pauseBody.ToString());
        var step = pauseBody.GetProperty("step").GetInt64();

        (HttpStatusCode Status, JsonElement Body) resumed, stopped;
        JsonElement during;
        await _redis!.SignalAsync("STOP");
        try
        {
            resumed = Answer(await _client.PostJsonAsync("/api/job/resume"));
            stopped = Answer(await _client.PostJsonAsync("/api/job/stop")); // not taken while the resume is not settled
            during = await _client.GetJsonAsync("/api/cluster");
        }
        finally
        {
            await _redis.SignalAsync("CONT");
        }

        Assert.All([resumed, stopped], r => Assert.True(r.Status == HttpStatusCode.ServiceUnavailable, $"{(int)r.Status} {r.Body}\n{_silo!.Output}"));
        var detail = resumed.Body.GetProperty("detail").GetString()!;
        Assert.True(detail.Contains("whether the change was made is not known", StringComparison.Ordinal), $"{detail}\n{_silo!.Output}");
        Assert.Equal(("paused", step), (State(during), during.Step()));

        // Redis runs the resume's write: the job reads its record back and runs, as storage holds it (it stayed paused,
        // its next write putting memory's record back over the resume, when the 503 said "undone here").
        var after = await _client.WaitForClusterAsync(c => State(c) == "running" && c.Step() >= step + 10, "the job to run as its record says");
        Assert.Equal(0L, after.GetProperty("job").GetProperty("stepsFailed").GetInt64());
        var (pausedAgain, againBody, _) = await _client.PostJsonAsync("/api/job/pause");
        Assert.True(pausedAgain == HttpStatusCode.OK, $"{(int)pausedAgain} {againBody}\n{_silo!.Output}");
        Assert.Equal("paused", State(await _client.GetJsonAsync("/api/cluster")));
    }

    private static (HttpStatusCode Status, JsonElement Body) Answer((HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response) answer)
    {
        answer.Response.Dispose();
        return (answer.Status, answer.Body);
    }

    private static string State(JsonElement cluster) => cluster.GetProperty("job").GetProperty("state").GetString()!;

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
