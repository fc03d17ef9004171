using System.Net;
using System.Text.Json;

namespace OrleansCluster.Silo.Tests.Api;

/// <summary>Every class of bad input gets RFC 9457 problem details naming the field, and changes nothing.</summary>
public sealed class BadInputTests(SiloFixture fixture) : IClassFixture<SiloFixture>
{
    private readonly HttpClient _client = fixture.Factory.CreateAdminClient();

    [Theory]
    [InlineData("""{"kind":"node.meltdown","target":{"node":"west-00001"}}""", HttpStatusCode.BadRequest, "kind")]
    [InlineData("""{"target":{"node":"west-00001"}}""", HttpStatusCode.BadRequest, "kind")]
    [InlineData("""{"kind":"node.crash"}""", HttpStatusCode.BadRequest, "target")]
    [InlineData("""{"kind":"node.crash","target":{"node":"west-99999"}}""", HttpStatusCode.NotFound, "target.node")]
    [InlineData("""{"kind":"link.partition","target":{"link":"west-moon"}}""", HttpStatusCode.NotFound, "target.link")]
    [InlineData("""{"kind":"site.power-cap","target":{"site":"north"},"params":{"ratio":0.5}}""", HttpStatusCode.NotFound, "target.site")]
    [InlineData("""{"kind":"node.crash","target":{"site":"east","generation":"A100"}}""", HttpStatusCode.NotFound, "target.generation")]
    [InlineData("""{"kind":"node.crash","target":{"site":"west","generation":"A100","count":17}}""", HttpStatusCode.BadRequest, "target.count")]
    [InlineData("""{"kind":"node.crash","target":{"site":"west","fraction":1.5}}""", HttpStatusCode.BadRequest, "target.fraction")]
    [InlineData("""{"kind":"node.slowdown","target":{"node":"west-00001"},"params":{"factor":-2}}""", HttpStatusCode.BadRequest, "params.factor")]
    [InlineData("""{"kind":"node.slowdown","target":{"node":"west-00001"}}""", HttpStatusCode.BadRequest, "params.factor")]
    [InlineData("""{"kind":"node.slowdown","target":{"node":"west-00001"},"params":{"factor":2,"speed":3}}""", HttpStatusCode.BadRequest, "params.speed")]
    [InlineData("""{"kind":"link.bandwidth","target":{"link":"west-east"},"params":{"ratio":1.5}}""", HttpStatusCode.BadRequest, "params.ratio")]
    [InlineData("""{"kind":"link.packet-loss","target":{"link":"west-east"},"params":{"ratio":1}}""", HttpStatusCode.BadRequest, "params.ratio")]
    [InlineData("""{"kind":"node.thermal-throttle","target":{"node":"west-00001"},"params":{"clockRatio":0}}""", HttpStatusCode.BadRequest, "params.clockRatio")]
    [InlineData("""{"kind":"node.crash","target":{"node":"west-00001"},"durationSeconds":-5}""", HttpStatusCode.BadRequest, "durationSeconds")]
    [InlineData("""{"kind":"node.crash","target":{"node":"west-00001"},"startInSeconds":-1}""", HttpStatusCode.BadRequest, "startInSeconds")]
    [InlineData("""{"kind":"node.crash","target":{"node":"west-00001"},"colour":"red"}""", HttpStatusCode.BadRequest, "colour")]
    [InlineData("""{"kind":"node.slowdown","target":{"node":"west-00001"},"params":{"factor":"fast"}}""", HttpStatusCode.BadRequest, "params.factor")]
    [InlineData("""{"kind":"node.crash","target":{"node":"west-00001"}""", HttpStatusCode.BadRequest, "body")]
    [InlineData("""[1,2,3]""", HttpStatusCode.BadRequest, "body")]
    public async Task BadFaultIsRefusedNamingTheFieldAndInjectsNothing(string json, HttpStatusCode expected, string field)
    {
        var before = await FaultIdsAsync();

        var (status, problem, response) = await _client.PostJsonAsync("/api/faults", json);

        Assert.Equal(expected, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        Assert.Contains(field, problem.ErrorFields());
        Assert.Equal(before, await FaultIdsAsync());
    }

    [Fact]
    public async Task OversizedBodyIsRefusedWith413()
    {
        var padding = new string(' ', 2 * 1024 * 1024);
        var before = await FaultIdsAsync();

        var (status, problem, _) = await _client.PostJsonAsync("/api/faults", "{\"kind\":\"node.crash\"," + padding + "\"target\":{\"node\":\"west-00001\"}}");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal(413, problem.GetProperty("status").GetInt32());
        Assert.Equal(before, await FaultIdsAsync());
    }

    [Fact]
    public async Task InvalidScenarioIsRefusedNamingTheFieldAndTheJobRunsOn()
    {
        var before = await _client.GetJsonAsync("/api/cluster");
        var scenario = TestScenarios.Effects.Replace("\"generation\": \"H100\", \"count\": 20 } ] },\n    { \"name\": \"b\"", "\"generation\": \"H900\", \"count\": 20 } ] },\n    { \"name\": \"b\"", StringComparison.Ordinal);
        Assert.NotEqual(TestScenarios.Effects, scenario);

        var (status, problem, _) = await _client.SendJsonAsync(HttpMethod.Put, "/api/scenario", scenario);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("unknown generation 'H900'", problem.GetProperty("errors").GetProperty("sites[0].nodes[0].generation")[0].GetString());
        var after = await _client.WaitForClusterAsync(c => c.Step() > before.Step(), "the job to go on");
        Assert.Equal(before.GetProperty("scenario").GetString(), after.GetProperty("scenario").GetString());
        Assert.Equal(before.GetProperty("job").GetProperty("epoch").GetInt64(), after.GetProperty("job").GetProperty("epoch").GetInt64());
    }

    [Theory]
    [InlineData("""{"preset":"huge"}""", HttpStatusCode.NotFound, "preset")]
    [InlineData("""{"preset":"small","seed":3}""", HttpStatusCode.BadRequest, "preset")]
    [InlineData("""{"name":"x"}""", HttpStatusCode.BadRequest, "job")]
    [InlineData("""{"name":""", HttpStatusCode.BadRequest, "body")]
    public async Task BadScenarioLoadsAreRefused(string json, HttpStatusCode expected, string field)
    {
        var (status, problem, _) = await _client.SendJsonAsync(HttpMethod.Put, "/api/scenario", json);

        Assert.Equal(expected, status);
        Assert.Contains(field, problem.ErrorFields());
    }

    [Theory]
    [InlineData("""{"mode":"warp"}""", "mode")]
    [InlineData("""{"mode":"1"}""", "mode")]
    [InlineData("""{"mode":"realtime","speed":0}""", "speed")]
    [InlineData("""{"speed":2}""", "mode")]
    public async Task BadPaceIsRefused(string json, string field)
    {
        var before = (await _client.GetJsonAsync("/api/cluster")).GetProperty("job").GetProperty("pace");

        var (status, problem, _) = await _client.SendJsonAsync(HttpMethod.Put, "/api/job/pace", json);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(field, problem.ErrorFields());
        Assert.Equal(before.ToString(), (await _client.GetJsonAsync("/api/cluster")).GetProperty("job").GetProperty("pace").ToString());
    }

    [Theory]
    [InlineData("/api/stragglers?top=0", "top")]
    [InlineData("/api/nodes?state=melted", "state")]
    [InlineData("/api/nodes?page=0", "page")]
    public async Task BadQueryIsRefused(string path, string field)
    {
        var (status, problem, _) = await _client.SendJsonAsync(HttpMethod.Get, path);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(field, problem.ErrorFields());
    }

    [Fact]
    public async Task UnknownFaultIdIs404()
    {
        var (get, _, _) = await _client.SendJsonAsync(HttpMethod.Get, "/api/faults/f-999999");
        var (delete, problem, _) = await _client.SendJsonAsync(HttpMethod.Delete, "/api/faults/f-999999");

        Assert.Equal(HttpStatusCode.NotFound, get);
        Assert.Equal(HttpStatusCode.NotFound, delete);
        Assert.Equal(["id"], problem.ErrorFields());
    }

    private async Task<string[]> FaultIdsAsync() =>
        (await _client.GetJsonAsync("/api/faults?all=true")).EnumerateArray().Select(f => f.GetProperty("id").GetString()!).ToArray();
}
