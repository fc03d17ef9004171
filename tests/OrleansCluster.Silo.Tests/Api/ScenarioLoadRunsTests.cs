using System.Net;
using System.Text.Json;

namespace OrleansCluster.Silo.Tests.Api;

/// <summary>
/// <c>PUT /api/scenario</c> runs the new scenario whatever the job's state (DESIGN: "the job restarts on it"): a paused
/// or stopped job runs again, at its pace, from the new scenario's first step. Found by review: the behaviour was
/// documented neither way, and an operator who had paused the job could read the load as leaving it paused.
/// </summary>
public sealed class ScenarioLoadRunsTests(SiloFixture fixture) : IClassFixture<SiloFixture>
{
    [Theory]
    [InlineData("pause", "paused", "uniform")]
    [InlineData("stop", "stopped", "small")]
    public async Task ALoadOnAHaltedJobRunsTheNewScenarioAtItsPaceFromItsFirstStep(string verb, string halted, string preset)
    {
        using var client = fixture.Factory.CreateAdminClient();
        var (paced, _, _) = await client.SendJsonAsync(HttpMethod.Put, "/api/job/pace", """{"mode":"realtime","speed":40}""");
        Assert.Equal(HttpStatusCode.OK, paced);
        await client.WaitForClusterAsync(c => State(c) == "running" && c.Step() >= 10, "the job to step");
        var (status, stopped, _) = await client.PostJsonAsync($"/api/job/{verb}");
        Assert.Equal((HttpStatusCode.OK, halted), (status, stopped.GetProperty("state").GetString()));
        Assert.True(stopped.GetProperty("step").GetInt64() >= 10);

        var (loadStatus, loaded, _) = await client.SendJsonAsync(HttpMethod.Put, "/api/scenario", $$"""{"preset":"{{preset}}"}""");

        // The answer is the job as the load left it: running the new scenario from step 0 (no step of it ran yet), at
        // the pace it had, under a new epoch.
        Assert.True(loadStatus == HttpStatusCode.OK, loaded.ToString());
        var job = loaded.GetProperty("job");
        Assert.Equal((preset, "running", 0L), (loaded.GetProperty("scenario").GetString(), State(loaded), job.GetProperty("step").GetInt64()));
        Assert.Equal(("realtime", 40.0), (job.GetProperty("pace").GetProperty("mode").GetString(), job.GetProperty("pace").GetProperty("speed").GetDouble()));
        Assert.True(job.GetProperty("epoch").GetInt64() > stopped.GetProperty("epoch").GetInt64());
        var after = await client.WaitForClusterAsync(c => c.Step() >= 3, "the new scenario's first steps");
        Assert.Equal((preset, "running"), (after.GetProperty("scenario").GetString(), State(after)));
    }

    private static string State(JsonElement cluster) => (cluster.TryGetProperty("job", out var job) ? job : cluster).GetProperty("state").GetString()!;
}
