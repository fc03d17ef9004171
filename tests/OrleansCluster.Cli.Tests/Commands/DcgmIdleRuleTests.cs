using System.Net;
using System.Text;
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

    private readonly ScrapedSilo _run = new("dcgm-idle-rule", Key);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await _run.StartAsync(
        ["--Simulation:Pace", "realtime", "--Simulation:Speed", "20", "--Simulation:StartOnLaunch", "false", "--Telemetry:Dcgm", "true"],
        new PrometheusSettings("1s") { EvaluationInterval = "1s", RuleFile = Path.Combine(ManagedProcess.RepositoryRoot(), "deploy", "alerts", "rules.yml") });

    public ValueTask DisposeAsync() => _run.DisposeAsync();

    [Fact]
    public async Task TheIdleGpuRuleFiresForAnEvictedNodeAndNotForAPausedJob()
    {
        using var admin = _run.CreateAdminClient();
        Assert.Equal(HttpStatusCode.OK, await SendAsync(admin, HttpMethod.Put, "/api/scenario", TwoSites));
        await _run.WaitForAsync($"count(DCGM_FI_DEV_GPU_UTIL > 90) == {Gpus}", "the GPUs never read as training");

        // 15 x its compute is past the barrier timeout: the node is evicted and its GPUs idle, healthy.
        Assert.Equal(HttpStatusCode.Created, await SendAsync(admin, HttpMethod.Post, "/api/faults", $$$"""{"kind":"node.slowdown","target":{"node":"{{{EvictedNode}}}"},"params":{"factor":15}}"""));
        await _run.WaitForAsync($"ALERTS{{alertname=\"DcgmGpuIdle\",alertstate=\"firing\",Hostname=\"{EvictedNode}\"}}", "DcgmGpuIdle never fired for the evicted node");

        // Paused: every GPU idle. Once every one has read 0 for 15 s (past the rule's 10 s `for`, evaluated every second),
        // whatever the rule ever raised, pending or firing, is the evicted node alone.
        Assert.Equal(HttpStatusCode.OK, await SendAsync(admin, HttpMethod.Post, "/api/job/pause", null));
        await _run.WaitForAsync($"count(max_over_time(DCGM_FI_DEV_GPU_UTIL[15s]) == 0) == {Gpus}", "the paused job's GPUs never read idle for 15 s");
        string[] raised = [.. (await _run.QueryAsync("count by (Hostname) (count_over_time(ALERTS{alertname=\"DcgmGpuIdle\"}[30m]))")).Select(r => r.Labels["Hostname"]).Order(StringComparer.Ordinal)];
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
}
