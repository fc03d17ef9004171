using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace OrleansCluster.Silo.Tests.Api;

public sealed class ClusterApiTests : IAsyncLifetime
{
    private readonly SiloFactory _factory = new() { Scenario = "small", Pace = "max" };

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task ClusterShowsTheDefaultScenarioWithStepsAdvancing()
    {
        using var client = _factory.CreateClient();
        var ct = TestContext.Current.CancellationToken;

        var first = await client.GetFromJsonAsync<JsonElement>("/api/cluster", ct);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        JsonElement later;
        do
        {
            await Task.Delay(100, ct);
            later = await client.GetFromJsonAsync<JsonElement>("/api/cluster", ct);
        }
        while (later.GetProperty("job").GetProperty("step").GetInt64() <= first.GetProperty("job").GetProperty("step").GetInt64() + 10 && DateTime.UtcNow < deadline);

        Assert.Equal("small", later.GetProperty("scenario").GetString());
        Assert.Equal("running", later.GetProperty("job").GetProperty("state").GetString());
        Assert.Equal("max", later.GetProperty("job").GetProperty("pace").GetProperty("mode").GetString());
        Assert.True(later.GetProperty("job").GetProperty("step").GetInt64() > first.GetProperty("job").GetProperty("step").GetInt64() + 10);
        Assert.Equal(["west", "east"], later.GetProperty("sites").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        Assert.Equal(328, later.GetProperty("sites").EnumerateArray().Sum(s => s.GetProperty("nodes").GetInt32()));
        var link = Assert.Single(later.GetProperty("links").EnumerateArray());
        Assert.Equal("west-east", link.GetProperty("id").GetString());
        var last = later.GetProperty("lastStep");
        foreach (var field in new[] { "number", "durationSeconds", "maxComputeSeconds", "medianComputeSeconds", "allreduceIntraSiteSeconds", "allreduceInterSiteSeconds", "stragglerTax", "clusterMfu" })
        {
            Assert.True(last.GetProperty(field).GetDouble() > 0, field);
        }

        // The A100 nodes set the pace: ~3.2 s of compute against a ~1.0 s median.
        Assert.InRange(last.GetProperty("maxComputeSeconds").GetDouble() / last.GetProperty("medianComputeSeconds").GetDouble(), 2.8, 3.8);
    }

    [Fact]
    public async Task HealthzAnswersHealthyOnceTheJobRuns()
    {
        using var client = _factory.CreateClient();

        var response = await client.GetAsync("/healthz", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }
}
