using System.Net;
using System.Text.Json;

namespace OrleansCluster.Silo.Tests.Api;

/// <summary>
/// Replays under an <c>Idempotency-Key</c> at the edges: faults that have left the bounded history, and a body whose
/// params come in another order.
/// </summary>
public sealed class IdempotencyReplayTests(SiloFixture fixture) : IClassFixture<SiloFixture>
{
    private readonly HttpClient _client = fixture.Factory.CreateAdminClient();

    [Fact]
    public async Task ReplayWhoseFaultsLeftTheHistoryIsGoneNamingTheKeyNotAnErrorOrAnEmptySuccess()
    {
        const string Single = """{"kind":"node.slowdown","target":{"node":"west-00021"},"params":{"factor":1.5}}""";
        const string Pair = """{"name":"pair","faults":[{"kind":"node.crash","target":{"node":"west-00022"}},{"kind":"node.crash","target":{"node":"west-00023"}}]}""";
        Assert.Equal(HttpStatusCode.Created, (await PostAsync("/api/faults", Single, "gone-single")).Status);
        Assert.Equal(HttpStatusCode.Created, (await PostAsync("/api/faults/campaign", Pair, "gone-pair")).Status);

        // 1,000 more faults, then all cleared: 1,003 ended, of which the history keeps the last 1,000.
        var flood = string.Join(",", Enumerable.Range(0, 1000).Select(i => $$$"""{"kind":"node.slowdown","target":{"node":"west-{{{i % 16:D5}}}"},"params":{"factor":1.1}}"""));
        var (made, _, _) = await _client.PostJsonAsync("/api/faults/campaign", $$"""{"name":"flood","faults":[{{flood}}]}""");
        Assert.Equal(HttpStatusCode.Created, made);
        Assert.Equal(HttpStatusCode.OK, (await _client.SendJsonAsync(HttpMethod.Delete, "/api/faults")).Status);
        var before = (await _client.GetJsonAsync("/api/faults?all=true")).GetArrayLength();

        foreach (var (path, body, key) in new[] { ("/api/faults", Single, "gone-single"), ("/api/faults/campaign", Pair, "gone-pair") })
        {
            var (status, problem, response) = await PostAsync(path, body, key);

            Assert.Equal(HttpStatusCode.Gone, status);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(["Idempotency-Key"], problem.ErrorFields());
            Assert.False(response.Headers.Contains("Idempotent-Replayed"));
        }

        Assert.Equal(before, (await _client.GetJsonAsync("/api/faults?all=true")).GetArrayLength());
    }

    [Fact]
    public async Task RetryWithItsParamsInAnotherOrderIsTheSameRequestAndReplays()
    {
        const string First = """{"kind":"link.latency","target":{"link":"west-east"},"params":{"addMilliseconds":1,"jitterMilliseconds":2}}""";
        const string Reordered = """{"kind":"link.latency","target":{"link":"west-east"},"params":{"jitterMilliseconds":2,"addMilliseconds":1}}""";

        var (first, firstFault, _) = await PostAsync("/api/faults", First, "reordered-params");
        var (second, secondFault, response) = await PostAsync("/api/faults", Reordered, "reordered-params");

        Assert.Equal(HttpStatusCode.Created, first);
        Assert.Equal(HttpStatusCode.Created, second);
        Assert.Equal(firstFault.GetProperty("id").GetString(), secondFault.GetProperty("id").GetString());
        Assert.Equal("true", response.Headers.GetValues("Idempotent-Replayed").Single());
    }

    private Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> PostAsync(string path, string json, string key) =>
        _client.PostOnceAsync(path, json, key);
}
