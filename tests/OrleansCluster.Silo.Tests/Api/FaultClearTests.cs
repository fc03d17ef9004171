using System.Net;
using System.Text.Json;

namespace OrleansCluster.Silo.Tests.Api;

/// <summary>
/// <c>DELETE /api/faults/{id}</c> is idempotent: a fault that has already ended (run its duration, or been cleared)
/// answers 200 as it ended, and only an id the registry never made is 404. Found by probing: DELETEs that raced
/// their faults' expiry answered 404, which a client reads as "never existed".
/// </summary>
public sealed class FaultClearTests(SiloFixture fixture) : IClassFixture<SiloFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    private readonly HttpClient _client = fixture.Factory.CreateAdminClient();

    [Fact]
    public async Task ClearingAFaultThatHasExpiredAnswersItAsItEnded()
    {
        var (created, fault, _) = await _client.PostJsonAsync("/api/faults", """{"kind":"node.slowdown","target":{"node":"east-00011"},"params":{"factor":1.5},"durationSeconds":1}""");
        Assert.Equal(HttpStatusCode.Created, created);
        var id = fault.GetProperty("id").GetString()!;
        await WaitUntilEndedAsync(id);

        var (status, cleared, _) = await _client.SendJsonAsync(HttpMethod.Delete, $"/api/faults/{id}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(id, cleared.GetProperty("id").GetString());
        Assert.Equal("expired", cleared.GetProperty("state").GetString()); // as it ended: the DELETE changed nothing
        Assert.Equal("expired", (await _client.GetJsonAsync($"/api/faults/{id}")).GetProperty("state").GetString());
    }

    [Fact]
    public async Task ClearingAFaultTwiceAnswersTheFirstClearBothTimes()
    {
        var (created, fault, _) = await _client.PostJsonAsync("/api/faults", """{"kind":"node.slowdown","target":{"node":"east-00012"},"params":{"factor":1.5}}""");
        Assert.Equal(HttpStatusCode.Created, created);
        var id = fault.GetProperty("id").GetString()!;

        var (first, clear, _) = await _client.SendJsonAsync(HttpMethod.Delete, $"/api/faults/{id}");
        var (second, again, _) = await _client.SendJsonAsync(HttpMethod.Delete, $"/api/faults/{id}");

        Assert.Equal(HttpStatusCode.OK, first);
        Assert.Equal(HttpStatusCode.OK, second);
        Assert.Equal("cleared", clear.GetProperty("state").GetString());
        Assert.Equal("cleared", again.GetProperty("state").GetString());
        Assert.Equal(clear.GetProperty("endsAt").GetString(), again.GetProperty("endsAt").GetString());
    }

    [Fact]
    public async Task ClearingAnIdNoFaultEverHadIs404()
    {
        var (status, problem, _) = await _client.SendJsonAsync(HttpMethod.Delete, "/api/faults/f-987654");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(["id"], problem.ErrorFields());
    }

    private async Task WaitUntilEndedAsync(string id)
    {
        var deadline = DateTime.UtcNow + Deadline;
        JsonElement fault;
        while ((fault = await _client.GetJsonAsync($"/api/faults/{id}")).GetProperty("state").GetString() != "expired")
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {id} to expire; last: {fault}");
            await Task.Delay(50, AdminClient.Ct);
        }
    }
}
