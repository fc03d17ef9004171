using System.Net;

namespace OrleansCluster.Silo.Tests.Api;

public sealed class CampaignTests(SiloFixture fixture) : IClassFixture<SiloFixture>
{
    private static string CampaignFile(string name)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !Directory.Exists(Path.Combine(directory.FullName, "campaigns")))
        {
            directory = directory.Parent;
        }

        return File.ReadAllText(Path.Combine(directory!.FullName, "campaigns", name));
    }

    [Fact]
    public async Task ShippedCampaignReplaysAsOneCallWithItsOffsets()
    {
        using var client = fixture.Factory.CreateAdminClient();
        await client.SendJsonAsync(HttpMethod.Delete, "/api/faults");

        var (status, body, _) = await client.PostJsonAsync("/api/faults/campaign", CampaignFile("small-aging-link.json"));

        Assert.Equal(HttpStatusCode.Created, status);
        var faults = body.GetProperty("faults").EnumerateArray().ToArray();
        Assert.Equal(6, faults.Length);
        Assert.All(faults, f => Assert.Equal("small-aging-link", f.GetProperty("campaign").GetString()));
        Assert.Equal("active", faults[0].GetProperty("state").GetString());
        Assert.All(faults.Skip(1), f => Assert.Equal("pending", f.GetProperty("state").GetString()));
        Assert.Equal(8, faults[3].GetProperty("targets").GetProperty("nodes").GetArrayLength()); // half of west's 16 A100
        await client.WaitForClusterAsync(c => c.GetProperty("links")[0].GetProperty("latencySeconds").GetDouble() > 0.002, "the link's added latency");
    }

    [Fact]
    public async Task CampaignWithOneBadFaultInjectsNothing()
    {
        using var client = fixture.Factory.CreateAdminClient();
        await client.SendJsonAsync(HttpMethod.Delete, "/api/faults");
        var campaign = """
            { "name": "broken", "faults": [
              { "kind": "link.latency", "target": { "link": "west-east" }, "params": { "addMilliseconds": 2 } },
              { "kind": "link.bandwidth", "target": { "link": "west-east" }, "params": { "ratio": 7 } } ] }
            """;

        var (status, problem, _) = await client.PostJsonAsync("/api/faults/campaign", campaign);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["faults[1].params.ratio"], problem.ErrorFields());
        Assert.Equal(0, (await client.GetJsonAsync("/api/faults")).GetArrayLength());
    }
}
