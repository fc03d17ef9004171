using System.Net;

namespace OrleansCluster.Silo.Tests.Api;

/// <summary>
/// Faults that start or end months away (the bounds allow 1e7 s, 116 days) are taken like any other: found by
/// probing, the registry set its timer to the next change, a grain timer refuses a wait over about 49.7 days, and
/// every call that set the timer answered 500 (the change made all the same), as did every activation after a restart.
/// </summary>
public sealed class DistantFaultTests(SiloFixture fixture) : IClassFixture<SiloFixture>
{
    [Theory]
    [InlineData("""{"kind":"node.slowdown","target":{"node":"east-00003"},"params":{"factor":2},"startInSeconds":5000000}""", "pending")]
    [InlineData("""{"kind":"node.slowdown","target":{"node":"east-00003"},"params":{"factor":2},"durationSeconds":10000000}""", "active")]
    public async Task AFaultWhoseNextChangeIsMonthsAwayIsMadeAndTheRegistryGoesOnTakingCalls(string json, string state)
    {
        using var client = fixture.Factory.CreateAdminClient();
        await client.SendJsonAsync(HttpMethod.Delete, "/api/faults");

        var (made, far, _) = await client.PostJsonAsync("/api/faults", json);
        var (next, near, _) = await client.PostJsonAsync("/api/faults", """{"kind":"node.slowdown","target":{"node":"east-00004"},"params":{"factor":2}}""");
        var (cleared, _, _) = await client.SendJsonAsync(HttpMethod.Delete, $"/api/faults/{near.GetProperty("id").GetString()}");

        Assert.True(made == HttpStatusCode.Created, $"{(int)made} {far}");
        Assert.Equal(state, far.GetProperty("state").GetString());
        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK), (next, cleared)); // with the distant fault the next change
        var listed = Assert.Single((await client.GetJsonAsync("/api/faults")).EnumerateArray());
        Assert.Equal((far.GetProperty("id").GetString(), state), (listed.GetProperty("id").GetString(), listed.GetProperty("state").GetString()));

        var (clearedAll, _, _) = await client.SendJsonAsync(HttpMethod.Delete, "/api/faults");
        Assert.Equal(HttpStatusCode.OK, clearedAll);
    }
}
