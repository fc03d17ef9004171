using System.Net;
using System.Text.Json;

namespace OrleansCluster.Silo.Tests.Api;

/// <summary>
/// A fault on a whole site lists the site's nodes once, where it is read alone; the list of faults and a node's
/// faults give the first ones and the count (found by probing: 100 site-wide faults made each list 62.7 MB).
/// </summary>
public sealed class FaultListingTests(SiloFixture fixture) : IClassFixture<SiloFixture>
{
    [Fact]
    public async Task ListsCutASitesNodesToTheFirstHundredWithTheirCountAndTheFaultItselfHasThemAll()
    {
        using var client = fixture.Factory.CreateAdminClient();
        await client.SendJsonAsync(HttpMethod.Delete, "/api/faults");
        var (status, made, _) = await client.PostJsonAsync("/api/faults", """{"kind":"node.slowdown","target":{"site":"east"},"params":{"factor":1.01}}""");
        Assert.Equal(HttpStatusCode.Created, status);
        var id = made.GetProperty("id").GetString()!;
        var everyNode = Nodes(made);
        Assert.Equal(168, everyNode.Length); // small's east: 128 H200 and 40 B200

        var listed = Assert.Single((await client.GetJsonAsync("/api/faults")).EnumerateArray());
        Assert.Equal(everyNode.Take(100), Nodes(listed));
        Assert.Equal(168, listed.GetProperty("targets").GetProperty("nodeCount").GetInt32());

        var whole = Assert.Single((await client.GetJsonAsync("/api/faults?allNodes=true")).EnumerateArray());
        Assert.Equal(everyNode, Nodes(whole));
        Assert.False(whole.GetProperty("targets").TryGetProperty("nodeCount", out _));
        Assert.Equal(everyNode, Nodes(await client.GetJsonAsync($"/api/faults/{id}")));

        var node = await client.GetJsonAsync($"/api/nodes/{everyNode[150]}");
        var onNode = Assert.Single(node.GetProperty("faults").EnumerateArray());
        Assert.Equal((id, 100, 168), (onNode.GetProperty("id").GetString(), Nodes(onNode).Length, onNode.GetProperty("targets").GetProperty("nodeCount").GetInt32()));

        await client.SendJsonAsync(HttpMethod.Delete, "/api/faults");
    }

    private static string[] Nodes(JsonElement fault) =>
        fault.GetProperty("targets").GetProperty("nodes").EnumerateArray().Select(n => n.GetString()!).ToArray();
}
