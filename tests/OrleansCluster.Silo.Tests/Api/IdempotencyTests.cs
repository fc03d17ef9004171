using System.Net;
using System.Text.Json;

namespace OrleansCluster.Silo.Tests.Api;

/// <summary>
/// <c>Idempotency-Key</c> on injections: a retry with the same key and body answers what the first call made and
/// makes nothing more; the same key with another body is refused with 422 problem details.
/// </summary>
public sealed class IdempotencyTests(SiloFixture fixture) : IClassFixture<SiloFixture>
{
    private readonly HttpClient _client = fixture.Factory.CreateAdminClient();

    [Fact]
    public async Task RetriedInjectionWithTheSameKeyAnswersTheFirstFaultAndMakesNoOther()
    {
        const string Body = """{"kind":"node.slowdown","target":{"node":"west-00011"},"params":{"factor":1.5}}""";

        var (first, firstFault, _) = await PostAsync("/api/faults", Body, "retry-me-1");
        var (second, secondFault, response) = await PostAsync("/api/faults", Body, "retry-me-1");

        Assert.Equal(HttpStatusCode.Created, first);
        Assert.Equal(HttpStatusCode.Created, second);
        Assert.Equal(firstFault.GetProperty("id").GetString(), secondFault.GetProperty("id").GetString());
        Assert.Equal("true", response.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Single(await FaultsOnAsync("west-00011"));
    }

    [Fact]
    public async Task RetriedCampaignWithTheSameKeyAnswersTheSameFaults()
    {
        const string Body = """{"name":"twice","faults":[{"kind":"node.crash","target":{"node":"west-00012"}},{"kind":"node.crash","target":{"node":"west-00013"}}]}""";

        var (first, firstResult, _) = await PostAsync("/api/faults/campaign", Body, "campaign-key-1");
        var (second, secondResult, _) = await PostAsync("/api/faults/campaign", Body, "campaign-key-1");

        Assert.Equal(HttpStatusCode.Created, first);
        Assert.Equal(HttpStatusCode.Created, second);
        Assert.Equal(Ids(firstResult), Ids(secondResult));
        Assert.Single(await FaultsOnAsync("west-00012"));
        Assert.Single(await FaultsOnAsync("west-00013"));
    }

    [Fact]
    public async Task SameKeyWithAnotherBodyIsRefusedAndInjectsNothing()
    {
        var (first, _, _) = await PostAsync("/api/faults", """{"kind":"node.slowdown","target":{"node":"west-00014"},"params":{"factor":2}}""", "reused-key-1");
        var (second, problem, response) = await PostAsync("/api/faults", """{"kind":"node.slowdown","target":{"node":"west-00015"},"params":{"factor":2}}""", "reused-key-1");

        Assert.Equal(HttpStatusCode.Created, first);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, second);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(["Idempotency-Key"], problem.ErrorFields());
        Assert.Empty(await FaultsOnAsync("west-00015"));
    }

    [Fact]
    public async Task MalformedKeyIsRefusedNamingTheHeader()
    {
        var (status, problem, _) = await PostAsync("/api/faults", """{"kind":"node.crash","target":{"node":"west-00016"}}""", new string('k', 201));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["Idempotency-Key"], problem.ErrorFields());
        Assert.Empty(await FaultsOnAsync("west-00016"));
    }

    private Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> PostAsync(string path, string json, string key) =>
        _client.PostOnceAsync(path, json, key);

    private static string[] Ids(JsonElement campaign) =>
        campaign.GetProperty("faults").EnumerateArray().Select(f => f.GetProperty("id").GetString()!).ToArray();

    private async Task<JsonElement[]> FaultsOnAsync(string node) =>
        (await _client.GetJsonAsync("/api/faults")).EnumerateArray().Where(f => f.GetProperty("target").TryGetProperty("node", out var n) && n.GetString() == node).ToArray();
}
