using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using OrleansCluster.Silo.Tests.Api;
using OrleansCluster.Testing;

namespace OrleansCluster.Silo.Tests.Cluster;

/// <summary>
/// dcgm mode over two silo processes on a real Redis: a paused job's GPUs read idle on every silo that exports them,
/// not only on the silo the job reports its figures to, and read busy again on every silo once it resumes. Found by
/// review (2026-11-28): the silo without the job's figures did not know the job's state, and its GPUs went on reading
/// their last step (98 % busy) through the pause.
/// </summary>
public sealed partial class DcgmPausedAcrossSilosTests : IAsyncLifetime
{
    private const string Key = "cluster-test-key";
    private readonly int _redisPort = ManagedProcess.FreePort();
    private readonly List<(int HttpPort, ManagedProcess Process)> _silos = [];
    private readonly string _cluster = $"dcgm-paused-{Guid.NewGuid():N}";
    private ManagedProcess? _redis;

    public async ValueTask InitializeAsync()
    {
        _redis = ManagedProcess.Start(ManagedProcess.Tool("redis-server", "redis-server"),
            ["--port", Port(_redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
        for (var i = 0; i < 2; i++)
        {
            var http = ManagedProcess.FreePort();
            var process = ManagedProcess.StartSilo(http,
            [
                "--Admin:ApiKey", Key, "--Simulation:Pace", "realtime", "--Simulation:Speed", "20", "--Simulation:BlockSize", "16", "--Simulation:BlocksPerShard", "4",
                "--Simulation:StartOnLaunch", "false", "--Telemetry:Dcgm", "true",
                "--Orleans:Clustering", "Redis", "--Orleans:Redis", $"127.0.0.1:{_redisPort}", "--Orleans:ClusterId", _cluster,
                "--Orleans:SiloPort", Port(ManagedProcess.FreePort()), "--Orleans:GatewayPort", Port(ManagedProcess.FreePort()),
            ]);
            _silos.Add((http, process));
            await process.WaitUntilAnsweringAsync($"http://127.0.0.1:{http}/healthz");
        }

        // Loaded once both silos are up, so that the 21 blocks (16 nodes each), in shards of 4, spread over both.
        using var client = Client(_silos[0].HttpPort);
        var (status, body, _) = await client.SendJsonAsync(HttpMethod.Put, "/api/scenario", """{"preset":"small"}""");
        Assert.True(status == HttpStatusCode.OK, body.ToString());
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (_, process) in _silos)
        {
            await process.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    [Fact]
    public async Task APausedJobsGpusReadIdleOnEverySiloAndBusyAgainOnResume()
    {
        var clients = _silos.Select(s => Client(s.HttpPort)).ToArray();
        try
        {
            // Training: each silo shows GPUs of its own blocks at work, and one of them (the job's) the job's state.
            var training = await PagesAsync(clients, pages => pages.All(p => Busy(p) > 0), "every silo's GPUs to train");
            var other = Array.FindIndex(training, p => !JobStateRegex().IsMatch(p));
            Assert.True(other >= 0, "one silo exports no job figures (the job reports to one silo)");

            Assert.Equal(HttpStatusCode.OK, (await clients[0].PostJsonAsync("/api/job/pause")).Status);
            var paused = await PagesAsync(clients, pages => pages.All(p => Gpus(p) > 0 && Busy(p) == 0), "every silo's GPUs to read idle");
            Assert.True(Gpus(paused[other]) > 0, "the silo without the job's figures shows GPUs");
            Assert.DoesNotMatch(BusyRegex(), paused[other]);

            Assert.Equal(HttpStatusCode.OK, (await clients[0].PostJsonAsync("/api/job/resume")).Status);
            await PagesAsync(clients, pages => pages.All(p => Busy(p) > 0), "every silo's GPUs to train again");
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    // Every silo's /metrics page once they all meet the condition together (read again about twice a second).
    private static async Task<string[]> PagesAsync(HttpClient[] clients, Func<string[], bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        string[] pages = [];
        while (DateTime.UtcNow < deadline)
        {
            pages = await Task.WhenAll(clients.Select(c => c.GetStringAsync("/metrics", AdminClient.Ct)));
            if (condition(pages))
            {
                return pages;
            }

            await Task.Delay(500, AdminClient.Ct);
        }

        var counts = string.Join("; ", pages.Select((p, i) => $"silo {i}: {Gpus(p)} GPUs, {Busy(p)} busy, job state {(JobStateRegex().IsMatch(p) ? "shown" : "not shown")}"));
        Assert.Fail($"waited 90 s for {what}: {counts}");
        return pages;
    }

    private static int Gpus(string page) => GpuRegex().Count(page);

    private static int Busy(string page) => BusyRegex().Count(page);

    [GeneratedRegex("^DCGM_FI_DEV_GPU_UTIL\\{[^}]*\\} ", RegexOptions.Multiline)]
    private static partial Regex GpuRegex();

    [GeneratedRegex("^DCGM_FI_DEV_GPU_UTIL\\{[^}]*\\} [1-9]", RegexOptions.Multiline)]
    private static partial Regex BusyRegex();

    [GeneratedRegex("^gpusim_job_state\\{", RegexOptions.Multiline)]
    private static partial Regex JobStateRegex();

    private static HttpClient Client(int port)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        return client;
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
