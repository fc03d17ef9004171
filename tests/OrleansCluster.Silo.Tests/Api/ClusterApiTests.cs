using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Silo.Tests.Api;

public sealed class ClusterApiTests(SiloFixture fixture) : IClassFixture<SiloFixture>
{
    [Fact]
    public async Task ClusterShowsTheDefaultScenarioWithStepsAdvancing()
    {
        using var client = fixture.Factory.CreateAdminClient();
        var first = await client.GetJsonAsync("/api/cluster");

        var later = await client.WaitForClusterAsync(c => c.Step() > first.Step() + 10, "ten more steps");

        Assert.Equal("small", later.GetProperty("scenario").GetString());
        Assert.Equal("running", later.GetProperty("job").GetProperty("state").GetString());
        Assert.Equal("realtime", later.GetProperty("job").GetProperty("pace").GetProperty("mode").GetString());
        Assert.Equal(["west", "east"], later.GetProperty("sites").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        Assert.Equal(328, later.GetProperty("sites").EnumerateArray().Sum(s => s.GetProperty("nodes").GetInt32()));
        var link = Assert.Single(later.GetProperty("links").EnumerateArray());
        Assert.Equal("west-east", link.GetProperty("id").GetString());
        var last = later.LastStep();
        foreach (var field in new[] { "number", "durationSeconds", "maxComputeSeconds", "medianComputeSeconds", "allreduceIntraSiteSeconds", "allreduceInterSiteSeconds", "stragglerTax", "clusterMfu" })
        {
            Assert.True(last.GetProperty(field).GetDouble() > 0, field);
        }

        // The step-time breakdown (DESIGN.md 7.5) sums to the step, its compute part is the median and its straggler
        // wait the slowest node's lead over it; throughput is reported beside it.
        var breakdown = last.GetProperty("breakdown");
        string[] parts = ["computeSeconds", "stragglerWaitSeconds", "intraSiteSeconds", "interSiteBandwidthSeconds", "interSiteLatencySeconds"];
        Assert.Equal(last.GetProperty("durationSeconds").GetDouble(), parts.Sum(p => breakdown.GetProperty(p).GetDouble()), 9);
        Assert.Equal(last.GetProperty("medianComputeSeconds").GetDouble(), breakdown.GetProperty("computeSeconds").GetDouble(), 12);
        Assert.True(breakdown.GetProperty("interSiteLatencySeconds").GetDouble() > 0);
        // small trains 2,621,440 tokens and 6 * 7e10 * 2621440 FLOPs per step, every node healthy.
        var duration = last.GetProperty("durationSeconds").GetDouble();
        Assert.Equal(1, last.GetProperty("tokensPerSecond").GetDouble() * duration / 2621440, 9);
        Assert.Equal(1, last.GetProperty("usefulFlopsPerSecond").GetDouble() * duration / (6 * 7e10 * 2621440), 9);

        // The A100 nodes set the pace: ~3.4 s of compute against a ~1.06 s median.
        Assert.InRange(last.GetProperty("maxComputeSeconds").GetDouble() / last.GetProperty("medianComputeSeconds").GetDouble(), 2.8, 3.8);
    }

    [Fact]
    public async Task PresetsAreListed()
    {
        using var client = fixture.Factory.CreateAdminClient();

        var presets = await client.GetJsonAsync("/api/scenarios");

        Assert.Equal(["colossus", "small", "uniform"], presets.EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        var colossus = presets.EnumerateArray().Single(p => p.GetProperty("name").GetString() == "colossus");
        Assert.Equal(88_000, colossus.GetProperty("nodes").GetInt32());
        Assert.Equal(454_000, colossus.GetProperty("gpus").GetInt64());
        Assert.True(presets.EnumerateArray().Single(p => p.GetProperty("name").GetString() == "small").GetProperty("isDefault").GetBoolean());
    }

    [Fact]
    public async Task ANodesNominalComputeTimeIsTheOneItsBlockDrawsAround()
    {
        // `small` describes its job in model mode (parameters and tokens, no FLOPs per GPU): the nominal t comes
        // from the workload, times the node's own fixed factor, as the blocks draw it.
        using var client = fixture.Factory.CreateAdminClient();
        var scenario = ScenarioPresets.Load("small");
        var layout = new ClusterLayout(scenario);

        foreach (var id in new[] { "east-00007", "west-00150" })
        {
            var node = layout.Nodes[layout.OrdinalOf(id)];
            var expected = ComputeModel.NodeNominalSeconds(new Workload(scenario).NominalSeconds(node.Generation), scenario.Seed, node.Stream, scenario.Noise.NodeCv);
            var detail = await client.GetJsonAsync($"/api/nodes/{id}");
            Assert.True(expected > 0);
            Assert.Equal(expected, detail.GetProperty("nominalComputeSeconds").GetDouble(), 12);
        }
    }

    [Fact]
    public async Task NodesArePagedAndFiltered()
    {
        using var client = fixture.Factory.CreateAdminClient();

        var page = await client.GetJsonAsync("/api/nodes?site=west&generation=A100&pageSize=10&page=2");

        Assert.Equal(16, page.GetProperty("total").GetInt32());
        Assert.Equal(6, page.GetProperty("nodes").GetArrayLength());
        Assert.All(page.GetProperty("nodes").EnumerateArray(), n => Assert.Equal("A100", n.GetProperty("generation").GetString()));
        var (status, problem, _) = await client.SendJsonAsync(HttpMethod.Get, "/api/nodes/west-99999");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(["id"], problem.ErrorFields());

        // Found by probing: a generation the scenario lacks answered an empty page where an unknown site answered 404.
        var (unknown, generationProblem, _) = await client.SendJsonAsync(HttpMethod.Get, "/api/nodes?generation=a100");
        Assert.Equal(HttpStatusCode.NotFound, unknown);
        Assert.Equal(["generation"], generationProblem.ErrorFields());
    }
}
