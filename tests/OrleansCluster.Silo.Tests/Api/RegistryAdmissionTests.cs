using System.Globalization;
using System.Net;

namespace OrleansCluster.Silo.Tests.Api;

/// <summary>
/// Fault mutations past what the registry is given at once are refused 503 before they reach it, and change nothing
/// (found by probing: callers queued on the registry until their calls timed out, were answered 503, and the registry
/// made those faults afterwards).
/// </summary>
public sealed class RegistryAdmissionTests : IAsyncLifetime
{
    private readonly SiloFactory _factory = new()
    {
        Settings = new Dictionary<string, string>
        {
            ["Admin:FaultMutationsInFlight"] = "1",
            ["Admin:FaultMutationsQueued"] = "0",
            ["Admin:MutationsPerSecond"] = "100000",
            ["Admin:MutationBurst"] = "100000",
        },
    };

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task InjectionsPastTheRegistrysShareAre503BeforeReachingItAndEveryFaultListedWasAnswered201()
    {
        using var client = _factory.CreateAdminClient();
        await client.WaitForClusterAsync(c => c.Step() >= 1, "the job's first step");

        var answers = await Task.WhenAll(Enumerable.Range(1, 100).Select(i =>
            client.PostJsonAsync("/api/faults", $$$"""{"kind":"node.slowdown","target":{"node":"west-{{{i.ToString("D5", CultureInfo.InvariantCulture)}}}"},"params":{"factor":1.5}}""")));

        var made = answers.Where(a => a.Status == HttpStatusCode.Created).Select(a => a.Body.GetProperty("id").GetString()!).ToHashSet();
        var busy = answers.Where(a => a.Status == HttpStatusCode.ServiceUnavailable).ToArray();
        Assert.Equal(100, made.Count + busy.Length); // nothing else: no timeout, no 500
        Assert.NotEmpty(made);
        Assert.NotEmpty(busy);
        Assert.All(busy, a =>
        {
            Assert.Equal("Fault registry busy", a.Body.GetProperty("title").GetString());
            Assert.Equal("application/problem+json", a.Response.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(a.Response.Headers.RetryAfter);
        });

        var listed = (await client.GetJsonAsync("/api/faults")).EnumerateArray().Select(f => f.GetProperty("id").GetString()!).ToHashSet();
        Assert.Equal(made, listed); // none made for a caller told 503

        // The share frees as answers come: one at a time, every call is admitted.
        var (cleared, _, _) = await client.SendJsonAsync(HttpMethod.Delete, "/api/faults");
        Assert.Equal(HttpStatusCode.OK, cleared);
        Assert.Empty((await client.GetJsonAsync("/api/faults")).EnumerateArray());
    }
}
