using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using OrleansCluster.Silo.Tests.Api;
using OrleansCluster.Testing;

namespace OrleansCluster.Silo.Tests.Cluster;

/// <summary>
/// Cluster mode with real processes on 127.0.0.1, Redis and two silos, and Redis paused (SIGSTOP): a silo stopped
/// gracefully (SIGTERM) cannot write the membership table, so the survivors go on reading it as active until its
/// process is long gone. Found by probing: the job waited for that silo to leave (a minute's patience, then laid out
/// over it again) and stepped not at all for up to two minutes; then, laid out over the silos not leaving, it waited on
/// the fault registry's write of the new epoch, which Redis could not take, for as long as Redis stayed paused. The
/// registry now tells the same run's new grains its faults from memory and writes the epoch behind: the job steps on
/// within seconds.
/// </summary>
public sealed class DrainWithRedisPausedTests : IAsyncLifetime
{
    private const string Key = "drain-pause-test-key";
    private readonly int _redisPort = ManagedProcess.FreePort();
    private readonly Dictionary<int, (int HttpPort, ManagedProcess Process)> _silos = [];
    private readonly string _cluster = $"drain-pause-{Guid.NewGuid():N}";
    private ManagedProcess? _redis;
    private bool _paused;

    public async ValueTask InitializeAsync()
    {
        _redis = ManagedProcess.Start(ManagedProcess.Tool("redis-server", "redis-server"),
            ["--port", Port(_redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
        for (var i = 0; i < 2; i++)
        {
            var http = ManagedProcess.FreePort();
            var siloPort = ManagedProcess.FreePort();
            var process = ManagedProcess.StartSilo(http,
            [
                "--Admin:ApiKey", Key, "--Simulation:Pace", "realtime", "--Simulation:Speed", "20", "--Simulation:BlockSize", "16", "--Simulation:BlocksPerShard", "4", "--Simulation:StartOnLaunch", "false",
                "--Orleans:Clustering", "Redis", "--Orleans:Redis", $"127.0.0.1:{_redisPort}", "--Orleans:ClusterId", _cluster,
                "--Orleans:SiloPort", Port(siloPort), "--Orleans:GatewayPort", Port(ManagedProcess.FreePort()),
            ]);
            _silos[siloPort] = (http, process);
            await process.WaitUntilAnsweringAsync($"http://127.0.0.1:{http}/healthz");
        }

        // Loaded once both silos are up, so that the 21 blocks (16 nodes each), in shards of 4, spread over both.
        using var client = Client(_silos.Values.First().HttpPort);
        var (status, body, _) = await client.SendJsonAsync(HttpMethod.Put, "/api/scenario", """{"preset":"small"}""");
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        await client.SendJsonAsync(HttpMethod.Put, "/api/job/pace", """{"mode":"realtime","speed":20}""");
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null && _paused)
        {
            await _redis.SignalAsync("CONT"); // a paused Redis would hold every silo's shutdown
        }

        foreach (var (_, process) in _silos.Values)
        {
            await process.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    [Fact]
    public async Task ASiloStoppedGracefullyWhileRedisIsPausedCostsTheJobSecondsNotMinutes()
    {
        var first = Client(_silos.Values.First().HttpPort);
        await first.WaitForClusterAsync(c => c.Step() >= 5, "the job to step on the cluster");
        var host = (await first.GetJsonAsync("/api/cluster")).GetProperty("job").GetProperty("host").GetString()!;
        var victimPort = _silos.Keys.Single(port => !host.Contains($":{port}:", StringComparison.Ordinal));
        var victim = _silos[victimPort];
        var survivor = _silos.Single(s => s.Key != victimPort).Value;
        using var client = Client(survivor.HttpPort);
        var before = await client.GetJsonAsync("/api/cluster");

        await _redis!.SignalAsync("STOP");
        _paused = true;
        var terminated = victim.Process.TerminateAsync(TimeSpan.FromSeconds(300)); // SIGTERM: drains, then waits out the membership table
        try
        {
            // Laid out again without the leaving silo (a new epoch), and stepping on that layout, while Redis is still paused.
            var after = await WaitAsync(client, survivor.Process,
                c => Epoch(c) > Epoch(before) && c.Step() > before.Step() + 5 && c.Step() > c.GetProperty("job").GetProperty("lastCheckpoint").GetInt64(), TimeSpan.FromSeconds(45));
            Assert.Equal(host, after.GetProperty("job").GetProperty("host").GetString());
            Assert.Equal("running", after.GetProperty("job").GetProperty("state").GetString());
        }
        finally
        {
            await _redis.SignalAsync("CONT");
            _paused = false;
            await terminated;
            _silos.Remove(victimPort);
            await victim.Process.DisposeAsync();
        }
    }

    private static long Epoch(JsonElement cluster) => cluster.GetProperty("job").GetProperty("epoch").GetInt64();

    // Polls /api/cluster on the survivor until the condition holds (an answer other than 200 is waited through).
    private static async Task<JsonElement> WaitAsync(HttpClient client, ManagedProcess process, Func<JsonElement, bool> condition, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        JsonElement last = default;
        string? error = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await client.GetAsync("/api/cluster", AdminClient.Ct);
                var text = await response.Content.ReadAsStringAsync(AdminClient.Ct);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    last = JsonDocument.Parse(text).RootElement.Clone();
                    if (condition(last))
                    {
                        return last;
                    }
                }
                else
                {
                    error = $"{(int)response.StatusCode} {text[..Math.Min(text.Length, 300)]}";
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                error = e.Message;
            }

            await Task.Delay(200, AdminClient.Ct);
        }

        Assert.Fail($"the job did not step on within {limit} with Redis paused; last: {last}; last error: {error}\n{process.Output}");
        return last;
    }

    private static HttpClient Client(int port)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        return client;
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
