using System.Net;
using System.Text.Json;
using OrleansCluster.Model.Scenarios;

namespace OrleansCluster.Silo.Tests.Api;

/// <summary>
/// The bounds on what one request may build: a scenario's nodes (<c>Simulation:MaxNodes</c>), faults per call and
/// faults in force (<c>Admin:MaxFaultsPerCall</c>, <c>Admin:MaxLiveFaults</c>). Past them a request is refused
/// with problem details naming the limit, and nothing is built or injected. Small limits keep the test quick.
/// </summary>
public sealed class LimitsTests : IAsyncLifetime
{
    private readonly SiloFactory _factory = new()
    {
        Scenario = "small",
        Pace = "realtime",
        Settings = new Dictionary<string, string>
        {
            ["Simulation:Speed"] = "50",
            ["Simulation:MaxNodes"] = "400",
            ["Admin:MaxFaultsPerCall"] = "5",
            ["Admin:MaxLiveFaults"] = "8",
        },
    };

    private HttpClient _client = null!;

    public ValueTask InitializeAsync()
    {
        _client = _factory.CreateAdminClient();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task ScenarioOverMaxNodesIsRefusedNamingTheLimitAndTheJobRunsOn()
    {
        var before = await _client.GetJsonAsync("/api/cluster");
        var scenario = TestScenarios.Effects.Replace("\"count\": 20", "\"count\": 201", StringComparison.Ordinal); // 402 nodes

        var (status, problem, response) = await _client.SendJsonAsync(HttpMethod.Put, "/api/scenario", scenario);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(["sites"], problem.ErrorFields());
        Assert.Contains("402 nodes in all is more than the 400 this silo takes (Simulation:MaxNodes", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var after = await _client.WaitForClusterAsync(c => c.Step() > before.Step(), "the job to go on");
        Assert.Equal(before.GetProperty("job").GetProperty("epoch").GetInt64(), after.GetProperty("job").GetProperty("epoch").GetInt64());

        var (fits, _, _) = await _client.SendJsonAsync(HttpMethod.Put, "/api/scenario", TestScenarios.Effects); // 40 nodes
        Assert.Equal(HttpStatusCode.OK, fits);
    }

    [Fact]
    public async Task APresetAndTheSameScenarioAsJsonAreRefusedAlike()
    {
        // The two bodies of PUT /api/scenario pass one check (ScenarioAdmission), the job grain's own: the preset's
        // branch once made its own checks, without the completion one.
        Assert.True(ScenarioPresets.TryGetJson("colossus", out var json));

        var (presetStatus, presetProblem, _) = await _client.SendJsonAsync(HttpMethod.Put, "/api/scenario", """{"preset":"colossus"}""");
        var (jsonStatus, jsonProblem, _) = await _client.SendJsonAsync(HttpMethod.Put, "/api/scenario", json);

        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest), (presetStatus, jsonStatus));
        Assert.Equal(["sites"], presetProblem.ErrorFields());
        Assert.Equal(presetProblem.GetProperty("errors").ToString(), jsonProblem.GetProperty("errors").ToString());
        Assert.Equal(presetProblem.GetProperty("detail").GetString(), jsonProblem.GetProperty("detail").GetString());
        Assert.Contains("more than the 400 this silo takes (Simulation:MaxNodes", presetProblem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartupScenarioOverMaxNodesStopsTheSiloNamingTheLimit()
    {
        await using var factory = new SiloFactory
        {
            Scenario = "small", // 328 nodes
            Settings = new Dictionary<string, string> { ["Simulation:MaxNodes"] = "100" },
        };

        var error = Assert.ThrowsAny<Exception>(() => factory.Server);

        Assert.Contains("Simulation:MaxNodes", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("328 nodes in all", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Simulation:MaxNodes", "0")]
    [InlineData("Admin:MaxFaultsPerCall", "0")]
    [InlineData("Admin:MaxLiveFaults", "-1")]
    [InlineData("Simulation:BlockSize", "0")]
    [InlineData("Simulation:BatchSteps", "0")]
    [InlineData("Simulation:BlocksPerShard", "0")]
    [InlineData("Simulation:HistoryCapacity", "0")]
    [InlineData("Simulation:MaxPaceSliceMilliseconds", "0")]
    [InlineData("Simulation:LogIntervalSeconds", "0")]
    [InlineData("Simulation:StallSeconds", "-1")]
    [InlineData("Simulation:Speed", "0")]
    [InlineData("Simulation:Speed", "1000001")]
    [InlineData("Orleans:SiloPort", "0")]
    [InlineData("Orleans:Clustering", "Consul")]
    public async Task LimitOutOfItsRangeStopsTheSiloAtStart(string key, string value)
    {
        await using var factory = new SiloFactory { Settings = new Dictionary<string, string> { [key] = value } };

        var error = Assert.ThrowsAny<Exception>(() => factory.Server);

        Assert.Contains(key.Split(':')[1], error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("-64")]
    public async Task MaxSitesBelowOneStopsTheSiloAtStartNamingTheSetting(string value)
    {
        // Below 1 every site of every scenario would fold into site="other" (0), or it makes no sense (negative); the
        // refusal named only 'MaxSites' of 'TelemetryOptions' until TelemetryOptionsValidator.
        await using var factory = new SiloFactory { Settings = new Dictionary<string, string> { ["Telemetry:MaxSites"] = value } };

        var error = Assert.ThrowsAny<Exception>(() => factory.Server);

        Assert.Contains("Telemetry:MaxSites", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RedisClusteringWithoutAConnectionStringStopsTheSiloNamingOrleansRedis()
    {
        await using var factory = new SiloFactory { Settings = new Dictionary<string, string> { ["Orleans:Clustering"] = "Redis" } };

        var error = Assert.ThrowsAny<Exception>(() => factory.Server);

        Assert.Contains("Orleans:Clustering=Redis needs Orleans:Redis", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FaultsPastTheLimitsAreRefusedNamingTheLimitAndNothingIsInjected()
    {
        await _client.SendJsonAsync(HttpMethod.Put, "/api/scenario", TestScenarios.Effects);
        await _client.SendJsonAsync(HttpMethod.Delete, "/api/faults");

        // More faults in one campaign than Admin:MaxFaultsPerCall.
        var (perCall, perCallProblem, _) = await _client.PostJsonAsync("/api/faults/campaign", Campaign("too-many", 1, 6));
        Assert.Equal(HttpStatusCode.BadRequest, perCall);
        Assert.Equal(["faults"], perCallProblem.ErrorFields());
        Assert.Contains("Admin:MaxFaultsPerCall", perCallProblem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await LiveFaultIdsAsync());

        // Up to Admin:MaxLiveFaults in force, then refused until one is cleared.
        var (first, _, _) = await _client.PostJsonAsync("/api/faults/campaign", Campaign("five", 1, 5));
        var (second, _, _) = await _client.PostJsonAsync("/api/faults/campaign", Campaign("three", 6, 3));
        Assert.Equal(HttpStatusCode.Created, first);
        Assert.Equal(HttpStatusCode.Created, second);
        var live = await LiveFaultIdsAsync();
        Assert.Equal(8, live.Length);

        var (full, fullProblem, _) = await _client.PostJsonAsync("/api/faults", Fault(9));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, full);
        Assert.Equal(["faults"], fullProblem.ErrorFields());
        Assert.Contains("Admin:MaxLiveFaults", fullProblem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(live, await LiveFaultIdsAsync());

        await _client.SendJsonAsync(HttpMethod.Delete, $"/api/faults/{live[0]}");
        var (room, _, _) = await _client.PostJsonAsync("/api/faults", Fault(9));
        Assert.Equal(HttpStatusCode.Created, room);
    }

    private static string Fault(int node) =>
        $$$"""{"kind":"node.slowdown","target":{"node":"a-{{{node:D5}}}"},"params":{"factor":1.5}}""";

    private static string Campaign(string name, int firstNode, int count) =>
        $$$"""{"name":"{{{name}}}","faults":[{{{string.Join(",", Enumerable.Range(firstNode, count).Select(Fault))}}}]}""";

    private async Task<string[]> LiveFaultIdsAsync() =>
        (await _client.GetJsonAsync("/api/faults")).EnumerateArray().Select(f => f.GetProperty("id").GetString()!).ToArray();
}
