using System.Net;

namespace OrleansCluster.Silo.Tests.Api;

public sealed class JobControlTests(SiloFixture fixture) : IClassFixture<SiloFixture>
{
    [Fact]
    public async Task PauseResumeStopStartAndPaceTakeEffect()
    {
        using var client = fixture.Factory.CreateAdminClient();

        var paused = await client.PostJsonAsync("/api/job/pause");
        Assert.Equal(HttpStatusCode.OK, paused.Status);
        Assert.Equal("paused", paused.Body.GetProperty("state").GetString());
        var step = paused.Body.GetProperty("step").GetInt64();
        await Task.Delay(300, AdminClient.Ct);
        Assert.Equal(step, (await client.GetJsonAsync("/api/cluster")).Step());

        var pace = await client.SendJsonAsync(HttpMethod.Put, "/api/job/pace", """{"mode":"max"}""");
        Assert.Equal("max", pace.Body.GetProperty("pace").GetProperty("mode").GetString());
        Assert.Equal("running", (await client.PostJsonAsync("/api/job/resume")).Body.GetProperty("state").GetString());
        await client.WaitForClusterAsync(c => c.Step() > step + 20, "steps after resuming");

        var stopped = await client.PostJsonAsync("/api/job/stop");
        Assert.Equal("stopped", stopped.Body.GetProperty("state").GetString());
        foreach (var verb in new[] { "pause", "resume" })
        {
            // Found by probing: answered 200 and did nothing. A stopped job is started, not resumed.
            var (status, problem, _) = await client.PostJsonAsync($"/api/job/{verb}");
            Assert.Equal(HttpStatusCode.Conflict, status);
            Assert.Contains("POST /api/job/start", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Equal("stopped", (await client.GetJsonAsync("/api/cluster")).GetProperty("job").GetProperty("state").GetString());
        }

        var started = await client.PostJsonAsync("/api/job/start");
        Assert.Equal("running", started.Body.GetProperty("state").GetString());
        Assert.True(started.Body.GetProperty("epoch").GetInt64() > stopped.Body.GetProperty("epoch").GetInt64());

        var realtime = await client.SendJsonAsync(HttpMethod.Put, "/api/job/pace", """{"mode":"realtime","speed":50}""");
        Assert.Equal(50, realtime.Body.GetProperty("pace").GetProperty("speed").GetDouble());
    }

    [Fact]
    public async Task EachControlCallAnswersTheStateItLeftNotOneOfACallThatFollowed()
    {
        // Found by probing: the answer's status was read in a second call, after the action, and a stop sent beside
        // a start could come between: 12 of 40 starts answered 200 with "stopped".
        using var client = fixture.Factory.CreateAdminClient();
        var answers = new List<(string Verb, string State)>();
        for (var round = 0; round < 20; round++)
        {
            var start = client.PostJsonAsync("/api/job/start");
            var stop = client.PostJsonAsync("/api/job/stop");
            var again = client.PostJsonAsync("/api/job/start");
            foreach (var (verb, call) in new[] { ("start", start), ("stop", stop), ("start", again) })
            {
                var (status, body, _) = await call;
                Assert.Equal(HttpStatusCode.OK, status);
                answers.Add((verb, body.GetProperty("state").GetString()!));
            }
        }

        Assert.All(answers, a => Assert.Equal(a.Verb == "start" ? "running" : "stopped", a.State));
        await client.PostJsonAsync("/api/job/start");
    }

    [Fact]
    public async Task LoadingAPresetRestartsTheJobOnIt()
    {
        using var client = fixture.Factory.CreateAdminClient();

        var (status, body, _) = await client.SendJsonAsync(HttpMethod.Put, "/api/scenario", """{"preset":"uniform"}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("uniform", body.GetProperty("scenario").GetString());
        var cluster = await client.WaitForClusterAsync(c => c.Step() >= 2, "the uniform run to step");
        Assert.Equal(256, Assert.Single(cluster.GetProperty("sites").EnumerateArray()).GetProperty("nodes").GetInt32());
        await client.SendJsonAsync(HttpMethod.Put, "/api/scenario", """{"preset":"small"}""");
    }

    [Fact]
    public async Task RecentStepsComeOldestFirstWithTheirWallTimes()
    {
        using var client = fixture.Factory.CreateAdminClient();
        await client.WaitForClusterAsync(c => c.Step() >= 6, "six steps");

        var (status, body, _) = await client.SendJsonAsync(HttpMethod.Get, "/api/job/steps?count=5");

        Assert.Equal(HttpStatusCode.OK, status);
        var steps = body.EnumerateArray().ToArray();
        Assert.Equal(5, steps.Length);
        var numbers = steps.Select(s => s.GetProperty("number").GetInt64()).ToArray();
        Assert.Equal(Enumerable.Range(0, 5).Select(i => numbers[0] + i), numbers);
        var starts = steps.Select(s => s.GetProperty("wallStartSeconds").GetDouble()).ToArray();
        Assert.Equal(starts.Order(), starts);
        Assert.All(steps.Where(s => s.GetProperty("ok").GetBoolean()), s =>
        {
            Assert.True(s.GetProperty("durationSeconds").GetDouble() > 1, "small's T_step is seconds");
            Assert.InRange(s.GetProperty("wallSeconds").GetDouble(), 1e-6, 60);
            // Each step carries its breakdown, whose parts sum to its T_step.
            var parts = s.GetProperty("breakdown").EnumerateObject().Sum(p => p.Value.GetDouble());
            Assert.Equal(s.GetProperty("durationSeconds").GetDouble(), parts, 9);
        });
    }

    [Theory]
    [InlineData("0")]
    [InlineData("4097")]
    public async Task RecentStepsRefuseACountOutOfRange(string count)
    {
        using var client = fixture.Factory.CreateAdminClient();

        var (status, body, _) = await client.SendJsonAsync(HttpMethod.Get, $"/api/job/steps?count={count}");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["count"], body.ErrorFields());
    }
}
