using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using OrleansCluster.Testing;

namespace OrleansCluster.Cli.Tests.Commands;

/// <summary>
/// The shipped rule pack's <c>DcgmGpuIdle</c> loaded as it is by a real Prometheus that scrapes a silo process with dcgm
/// on: it fires for a node the barrier timeout evicted (its GPUs idle, no XID) while the job runs, and not for the
/// GPUs of a paused job, which are all idle too (since 2026-11-28; before, a paused job's GPUs read as training, and
/// the rule, which did not ask whether the job runs, would now fire on every host at every pause).
/// </summary>
public sealed class DcgmIdleRuleTests : IAsyncLifetime
{
    private const string Key = "dcgm-idle-rule-test-key";
    private const string EvictedNode = "a-00003";
    private const int Gpus = 16 * 8;

    // No checkpoint within the test, so an evicted node stays evicted.
    private static readonly string TwoSites = PartitionableScenario.Json("dcgm-idle-rule", checkpointEverySteps: 1_000_000);

    private SiloUnderPrometheus? _run;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _run = await SiloUnderPrometheus.StartAsync(
        Key, ["--Simulation:StartOnLaunch=false", "--Telemetry:Dcgm=true"], _ => Task.FromResult(Path.Combine(ManagedProcess.RepositoryRoot(), "deploy", "alerts", "rules.yml")), Ct);

    public async ValueTask DisposeAsync()
    {
        if (_run is not null)
        {
            await _run.DisposeAsync();
        }
    }

    [Fact]
    public async Task TheIdleGpuRuleFiresForAnEvictedNodeAndNotForAPausedJob()
    {
        using var admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_run!.SiloPort}"), Timeout = TimeSpan.FromSeconds(60) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        using var prometheus = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_run!.PrometheusPort}"), Timeout = TimeSpan.FromSeconds(60) };
        Assert.Equal(HttpStatusCode.OK, await SendAsync(admin, HttpMethod.Put, "/api/scenario", TwoSites));
        await WaitForAsync(prometheus, $"count(DCGM_FI_DEV_GPU_UTIL > 90) == {Gpus}", "the GPUs never read as training");

        // 15 x its compute is past the barrier timeout: the node is evicted and its GPUs idle, healthy.
        Assert.Equal(HttpStatusCode.Created, await SendAsync(admin, HttpMethod.Post, "/api/faults", $$$"""{"kind":"node.slowdown","target":{"node":"{{{EvictedNode}}}"},"params":{"factor":15}}"""));
        await WaitForAsync(prometheus, $"ALERTS{{alertname=\"DcgmGpuIdle\",alertstate=\"firing\",Hostname=\"{EvictedNode}\"}}", "DcgmGpuIdle never fired for the evicted node");

        // Paused: every GPU idle. Once every one has read 0 for 15 s (past the rule's 10 s `for`, evaluated every second),
        // whatever the rule ever raised, pending or firing, is the evicted node alone.
        Assert.Equal(HttpStatusCode.OK, await SendAsync(admin, HttpMethod.Post, "/api/job/pause", null));
        await WaitForAsync(prometheus, $"count(max_over_time(DCGM_FI_DEV_GPU_UTIL[15s]) == 0) == {Gpus}", "the paused job's GPUs never read idle for 15 s");
        var raised = await HostsAsync(prometheus, "count by (Hostname) (count_over_time(ALERTS{alertname=\"DcgmGpuIdle\"}[30m]))");
        Assert.Equal([EvictedNode], raised);
    }

    private static async Task<HttpStatusCode> SendAsync(HttpClient admin, HttpMethod method, string path, string? json)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await admin.SendAsync(request, Ct);
        return response.StatusCode;
    }

    private static async Task WaitForAsync(HttpClient prometheus, string query, string failure)
    {
        var deadline = DateTime.UtcNow.AddSeconds(180);
        while ((await ResultAsync(prometheus, query)).GetArrayLength() == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(500, Ct);
        }
    }

    private static async Task<string[]> HostsAsync(HttpClient prometheus, string query) =>
        [.. (await ResultAsync(prometheus, query)).EnumerateArray().Select(r => r.GetProperty("metric").GetProperty("Hostname").GetString()!).Order(StringComparer.Ordinal)];

    private static async Task<JsonElement> ResultAsync(HttpClient prometheus, string query)
    {
        using var document = JsonDocument.Parse(await prometheus.GetStringAsync(new Uri($"/api/v1/query?query={Uri.EscapeDataString(query)}", UriKind.Relative), Ct));
        return document.RootElement.GetProperty("data").GetProperty("result").Clone();
    }
}
