using System.Globalization;
using System.Net;
using System.Text.Json;
using static OrleansCluster.Silo.Tests.Api.TestScenarios;

namespace OrleansCluster.Silo.Tests.Api;

/// <summary>
/// A link reads the faults in force now, as a node does, in <c>/api/links</c> and on <c>/metrics</c>, whatever the job is
/// doing; and <c>/metrics</c> says what the job is doing. Found by probing: a partition on a paused job read
/// <c>up: true</c> beside its own active fault, <c>gpusim_link_up</c> stayed 1, and a stopped job went on reading its last
/// step's tokens per second.
/// </summary>
public sealed class LinksNowTests(SiloFixture fixture) : IClassFixture<SiloFixture>
{
    private readonly HttpClient _client = fixture.Factory.CreateAdminClient();

    [Fact]
    public async Task PartitionOnAPausedJobTakesTheLinkDownAtOnceAndTheMetricsSayPaused()
    {
        await LoadAsync();
        var running = await ScrapeAsync();
        Assert.Equal(1, Sample(running, "gpusim_job_state", "state=\"running\""));
        Assert.True(Sample(running, "gpusim_useful_flops_per_second") > 0, "useful FLOP/s of a running job"); // tokens are 0 in direct mode
        Assert.Equal("paused", (await _client.PostJsonAsync("/api/job/pause")).Body.GetProperty("state").GetString());

        var fault = await InjectAsync("""{"kind":"link.partition","target":{"link":"a-b"},"durationSeconds":600}""");
        var latency = await InjectAsync("""{"kind":"link.latency","target":{"link":"a-b"},"params":{"addMilliseconds":50},"durationSeconds":600}""");

        var link = await _client.GetJsonAsync("/api/links/a-b");
        Assert.False(link.GetProperty("link").GetProperty("up").GetBoolean(), link.ToString());
        Assert.Equal(LinkLatencySeconds + 0.05, link.GetProperty("link").GetProperty("latencySeconds").GetDouble(), 12);
        Assert.All(link.GetProperty("faults").EnumerateArray(), f => Assert.Equal("active", f.GetProperty("state").GetString()));
        Assert.False(Assert.Single((await _client.GetJsonAsync("/api/links")).EnumerateArray()).GetProperty("up").GetBoolean());
        var paused = await ScrapeAsync();
        Assert.Equal(0, Sample(paused, "gpusim_link_up", "link=\"a-b\""));
        Assert.Equal(LinkLatencySeconds + 0.05, Sample(paused, "gpusim_link_latency_seconds", "link=\"a-b\"")!.Value, 12);
        Assert.Equal(1, Sample(paused, "gpusim_job_state", "state=\"paused\""));
        Assert.Equal(0, Sample(paused, "gpusim_job_state", "state=\"running\""));
        Assert.Equal(0, Sample(paused, "gpusim_tokens_per_second"));
        Assert.Equal(0, Sample(paused, "gpusim_cluster_mfu_ratio"));

        // Cleared, the link is up again at once, still paused.
        foreach (var id in new[] { fault, latency }.Select(f => f.GetProperty("id").GetString()))
        {
            Assert.Equal(HttpStatusCode.OK, (await _client.SendJsonAsync(HttpMethod.Delete, $"/api/faults/{id}")).Status);
        }

        var healed = await _client.GetJsonAsync("/api/links/a-b");
        Assert.True(healed.GetProperty("link").GetProperty("up").GetBoolean(), healed.ToString());
        Assert.Equal(LinkLatencySeconds, healed.GetProperty("link").GetProperty("latencySeconds").GetDouble(), 12);
        Assert.Equal(1, Sample(await ScrapeAsync(), "gpusim_link_up", "link=\"a-b\""));

        Assert.Equal("stopped", (await _client.PostJsonAsync("/api/job/stop")).Body.GetProperty("state").GetString());
        var stopped = await ScrapeAsync();
        Assert.Equal(1, Sample(stopped, "gpusim_job_state", "state=\"stopped\""));
        Assert.Equal(0, Sample(stopped, "gpusim_tokens_per_second"));
        Assert.Equal(0, Sample(stopped, "gpusim_useful_flops_per_second"));
    }

    private async Task<string> ScrapeAsync()
    {
        using var response = await _client.GetAsync("/metrics", AdminClient.Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync(AdminClient.Ct);
    }

    // The value of the one series of `name` on the page whose labels hold every one of `labels`; null when none.
    private static double? Sample(string page, string name, params string[] labels)
    {
        var values = page.Split('\n')
            .Where(line => line.StartsWith(name + "{", StringComparison.Ordinal) && labels.All(l => line.Contains(l, StringComparison.Ordinal)))
            .Select(line => double.Parse(line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture))
            .ToArray();
        Assert.True(values.Length <= 1, $"{values.Length} series of {name} with {string.Join(",", labels)}");
        return values.Length == 0 ? null : values[0];
    }

    private async Task LoadAsync()
    {
        var (status, body, _) = await _client.SendJsonAsync(HttpMethod.Put, "/api/scenario", Effects);
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        await _client.WaitForClusterAsync(c => c.GetProperty("scenario").GetString() == "effects" && c.Step() >= 2, "the effects scenario to step");
    }

    private async Task<JsonElement> InjectAsync(string json)
    {
        var (status, body, _) = await _client.PostJsonAsync("/api/faults", json);
        Assert.True(status == HttpStatusCode.Created, body.ToString());
        return body;
    }
}
