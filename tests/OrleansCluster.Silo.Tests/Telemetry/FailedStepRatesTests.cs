using System.Globalization;
using System.Net;
using OrleansCluster.Silo.Tests.Api;

namespace OrleansCluster.Silo.Tests.Telemetry;

/// <summary>
/// A running job whose every step fails trains nothing, and its rates say so: <c>gpusim_tokens_per_second</c>,
/// <c>gpusim_useful_flops_per_second</c>, <c>gpusim_cluster_mfu_ratio</c> and <c>/api/cluster</c>'s
/// <c>lastStep.tokensPerSecond</c> (and its other rates) read 0 once a step has failed, and come back when a step
/// completes. Found by probing: under a partition that failed every step they went on reading the last completed
/// step's figures, a healthy throughput on the dashboard of a job making no progress.
/// </summary>
public sealed class FailedStepRatesTests(SiloFixture fixture) : IClassFixture<SiloFixture>
{
    // Model mode (tokens); a partition of its one link fails every step until it is cleared.
    private static readonly string TwoSites = PartitionableScenario.Json("failing-rates");


    private static readonly string[] Rates = ["gpusim_tokens_per_second", "gpusim_useful_flops_per_second", "gpusim_cluster_mfu_ratio"];

    private static readonly string[] LastStepRates = ["tokensPerSecond", "usefulFlopsPerSecond", "clusterMfu"];

    private readonly HttpClient _client = fixture.Factory.CreateAdminClient();

    [Fact]
    public async Task RatesReadZeroWhileEveryStepFailsAndComeBackOnceTheFaultIsCleared()
    {
        await MetricsPage.LoadAsync(_client, TwoSites);
        var healthy = await _client.WaitForClusterAsync(
            c => c.GetProperty("scenario").GetString() == "failing-rates" && c.Step() >= 2 && c.Figure("tokensPerSecond") > 0,
            "the scenario to step");
        Assert.False(healthy.GetProperty("job").GetProperty("lastStepFailed").GetBoolean());
        Assert.All(LastStepRates, r => Assert.True(healthy.Figure(r) > 0, r));
        await MetricsPage.WaitForAsync(_client, page => Rates.All(r => Sample(page, r) > 0), "the rates of the running job", Shown);

        var (status, fault, _) = await _client.PostJsonAsync("/api/faults", """{"kind":"link.partition","target":{"link":"a-b"}}""");
        Assert.True(status == HttpStatusCode.Created, fault.ToString());
        var failedBefore = healthy.GetProperty("job").GetProperty("stepsFailed").GetInt64();

        // Once one step has failed under the partition every later one does, so two failures since the injection
        // mean the job's last step failed, however the reads fall between steps.
        var failing = await _client.WaitForClusterAsync(
            c => c.GetProperty("job").GetProperty("stepsFailed").GetInt64() >= failedBefore + 2,
            "steps to fail under the partition");
        Assert.Equal("running", failing.GetProperty("job").GetProperty("state").GetString());
        Assert.True(failing.GetProperty("job").GetProperty("lastStepFailed").GetBoolean(), failing.ToString());
        Assert.All(LastStepRates, r => Assert.Equal(0, failing.Figure(r)));
        Assert.True(failing.Figure("durationSeconds") > 0, "the other figures stay the last completed step's");

        var page = await MetricsPage.WaitForAsync(_client, p => Sample(p, "gpusim_steps_total", "outcome=\"failed\"") >= failedBefore + 2, "failed steps on the page", Shown);
        Assert.Equal(1, Sample(page, "gpusim_job_state", "state=\"running\""));
        Assert.All(Rates, r => Assert.Equal(0, Sample(page, r)));
        Assert.True(Sample(page, "gpusim_straggler_tax_ratio") is not null, "the last completed step's own figures stay on the page");

        // Cleared, the next step completes and the rates read its figures again.
        Assert.Equal(HttpStatusCode.OK, (await _client.SendJsonAsync(HttpMethod.Delete, $"/api/faults/{fault.GetProperty("id").GetString()}")).Status);
        var recovered = await _client.WaitForClusterAsync(
            c => !c.GetProperty("job").GetProperty("lastStepFailed").GetBoolean() && c.GetProperty("job").GetProperty("stepsOk").GetInt64() > failing.GetProperty("job").GetProperty("stepsOk").GetInt64(),
            "a step to complete once the partition is cleared");
        Assert.All(LastStepRates, r => Assert.True(recovered.Figure(r) > 0, $"{r}: {recovered}"));
        await MetricsPage.WaitForAsync(_client, p => Rates.All(r => Sample(p, r) > 0), "the rates once the partition is cleared", Shown);
    }

    private static bool Shown(string line) =>
        line.StartsWith("gpusim_", StringComparison.Ordinal) && (Rates.Any(r => line.StartsWith(r, StringComparison.Ordinal)) || line.StartsWith("gpusim_steps_total", StringComparison.Ordinal) || line.StartsWith("gpusim_job_state", StringComparison.Ordinal));

    // The value of the one series of `name` on the page whose labels hold every one of `labels`; null when none.
    private static double? Sample(string page, string name, params string[] labels)
    {
        var values = page.Split('\n')
            .Where(line => line.StartsWith(name + "{", StringComparison.Ordinal) && line.Contains("scenario=\"failing-rates\"", StringComparison.Ordinal) && labels.All(l => line.Contains(l, StringComparison.Ordinal)))
            .Select(line => double.Parse(line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture))
            .ToArray();
        Assert.True(values.Length <= 1, $"{values.Length} series of {name} with {string.Join(",", labels)}");
        return values.Length == 0 ? null : values[0];
    }
}
