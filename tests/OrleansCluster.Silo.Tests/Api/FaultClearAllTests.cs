using System.Net;

namespace OrleansCluster.Silo.Tests.Api;

/// <summary>
/// <c>DELETE /api/faults</c> clears every fault only when asked plainly. Found by probing: the route ignored its query
/// and matched a trailing slash, so a <c>DELETE</c> of a campaign's <c>Location</c> header, of <c>?id=f-000001</c>, or
/// of <c>/api/faults/</c> (a script's empty id) answered <c>{"cleared":N}</c> and cleared every fault.
/// </summary>
public sealed class FaultClearAllTests(SiloFixture fixture) : IClassFixture<SiloFixture>
{
    private readonly HttpClient _client = fixture.Factory.CreateAdminClient();

    [Fact]
    public async Task DeletingACampaignsLocationClearsOnlyThatCampaignsFaults()
    {
        await _client.SendJsonAsync(HttpMethod.Delete, "/api/faults");
        var (single, lone, _) = await _client.PostJsonAsync("/api/faults", """{"kind":"link.latency","target":{"link":"west-east"},"params":{"addMilliseconds":2}}""");
        Assert.Equal(HttpStatusCode.Created, single);
        var (other, _, _) = await _client.PostJsonAsync("/api/faults/campaign", Campaign("theirs", "west-00001", "west-00004"));
        Assert.Equal(HttpStatusCode.Created, other);
        var (status, mine, response) = await _client.PostJsonAsync("/api/faults/campaign", Campaign("mine2", "west-00002", "west-00003"));
        Assert.Equal(HttpStatusCode.Created, status);
        var location = response.Headers.Location!.ToString();
        Assert.Equal("/api/faults?campaign=mine2", location);
        var theirs = (await IdsAsync()).Except(mine.GetProperty("faults").EnumerateArray().Select(f => f.GetProperty("id").GetString()!)).ToArray();
        Assert.Equal(3, theirs.Length); // the single fault and the other campaign's two

        var (cleared, count, _) = await _client.SendJsonAsync(HttpMethod.Delete, location);

        Assert.Equal(HttpStatusCode.OK, cleared);
        Assert.Equal(2, count.GetProperty("cleared").GetInt32());
        Assert.Equal(theirs, await IdsAsync());
        Assert.Empty((await _client.GetJsonAsync(location)).EnumerateArray());
        Assert.Equal("active", (await _client.GetJsonAsync($"/api/faults/{lone.GetProperty("id").GetString()}")).GetProperty("state").GetString());
        foreach (var fault in mine.GetProperty("faults").EnumerateArray())
        {
            Assert.Equal("cleared", (await _client.GetJsonAsync($"/api/faults/{fault.GetProperty("id").GetString()}")).GetProperty("state").GetString());
        }

        // Sent again, it finds nothing of that campaign left.
        var (again, none, _) = await _client.SendJsonAsync(HttpMethod.Delete, location);
        Assert.Equal(HttpStatusCode.OK, again);
        Assert.Equal(0, none.GetProperty("cleared").GetInt32());
        Assert.Equal(theirs, await IdsAsync());
    }

    [Theory]
    [InlineData("/api/faults?id=f-000001", "id")]
    [InlineData("/api/faults?all=true", "all")]
    [InlineData("/api/faults?campaign=", "campaign")]
    [InlineData("/api/faults?campaign=theirs&campaign=mine", "campaign")]
    [InlineData("/api/faults?campaign=theirs&force=true", "force")]
    public async Task ClearAllWithAQueryItDoesNotTakeIs400NamingTheParameterAndClearsNothing(string path, string field)
    {
        var before = await InjectSomeAsync();

        var (status, problem, response) = await _client.SendJsonAsync(HttpMethod.Delete, path);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal([field], problem.ErrorFields());
        Assert.Equal(before, await IdsAsync());
    }

    [Theory]
    [InlineData("/api/faults/")]
    [InlineData("/api/faults/?campaign=theirs")]
    public async Task ClearAllWithATrailingSlashIs404NamingTheIdAndClearsNothing(string path)
    {
        var before = await InjectSomeAsync();

        var (status, problem, _) = await _client.SendJsonAsync(HttpMethod.Delete, path);

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(["id"], problem.ErrorFields());
        Assert.Equal(before, await IdsAsync());
    }

    [Fact]
    public async Task ClearAllWithoutAQueryStillClearsEveryFault()
    {
        var before = await InjectSomeAsync();

        var (status, count, _) = await _client.SendJsonAsync(HttpMethod.Delete, "/api/faults");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(before.Length, count.GetProperty("cleared").GetInt32());
        Assert.Empty(await IdsAsync());
    }

    private static string Campaign(string name, params string[] nodes) =>
        $$"""{"name":"{{name}}","faults":[{{string.Join(",", nodes.Select(n => $$$"""{"kind":"node.slowdown","target":{"node":"{{{n}}}"},"params":{"factor":1.5}}"""))}}]}""";

    // A single fault and a campaign of two, none of which ends by itself.
    private async Task<string[]> InjectSomeAsync()
    {
        await _client.SendJsonAsync(HttpMethod.Delete, "/api/faults");
        Assert.Equal(HttpStatusCode.Created, (await _client.PostJsonAsync("/api/faults", """{"kind":"node.slowdown","target":{"node":"east-00001"},"params":{"factor":1.5}}""")).Status);
        Assert.Equal(HttpStatusCode.Created, (await _client.PostJsonAsync("/api/faults/campaign", Campaign("theirs", "east-00002", "east-00003"))).Status);
        var ids = await IdsAsync();
        Assert.Equal(3, ids.Length);
        return ids;
    }

    private async Task<string[]> IdsAsync() =>
        (await _client.GetJsonAsync("/api/faults")).EnumerateArray().Select(f => f.GetProperty("id").GetString()!).Order(StringComparer.Ordinal).ToArray();
}
