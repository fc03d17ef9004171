using System.Net;

namespace OrleansCluster.Silo.Tests.Api;

/// <summary>
/// <c>POST /api/whatif</c> holds every variant to the bound a load has (<c>Simulation:MaxNodes</c>), counted from the
/// parsed scenario: found by probing, a patch of 400 sites of 99,996 nodes (40 million, ten times the bound) passed
/// every check, since only <c>WhatIf:MaxNodeSteps</c> applied, and ran the silo out of memory laying it out.
/// </summary>
public sealed class WhatIfSizeTests : IAsyncLifetime
{
    // The startup scenario (small) holds 328 nodes, effects 40.
    private const int MaxNodes = 400;

    private readonly SiloFactory _factory = new()
    {
        Scenario = "small",
        Settings = new Dictionary<string, string>
        {
            ["Simulation:MaxNodes"] = MaxNodes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["WhatIf:MaxNodeSteps"] = "2000",
            ["WhatIf:MaxVariants"] = "8",
        },
    };

    private HttpClient _client = null!;

    public async ValueTask InitializeAsync()
    {
        _client = _factory.CreateAdminClient();
        var (status, _, _) = await _client.SendJsonAsync(HttpMethod.Put, "/api/scenario", TestScenarios.Effects);
        Assert.Equal(HttpStatusCode.OK, status);
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task AVariantLargerThanMaxNodesIsRefusedNamingItsSites()
    {
        // 2 x 250 = 500 nodes at one step: 500 node-steps, well within WhatIf:MaxNodeSteps, but more than a load takes.
        var (status, problem, response) = await _client.PostJsonAsync("/api/whatif", $$"""
            { "variants": [ { "name": "baseline" }, { "name": "bigger", "patch": { "sites": [ {{Site("a", 250)}}, {{Site("b", 250)}} ] } } ], "steps": 1 }
            """);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(["variants[1].patch.sites"], problem.ErrorFields());
        Assert.Contains("500 nodes in all is more than the 400 this silo takes (Simulation:MaxNodes", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AVariantAtMaxNodesIsEvaluated()
    {
        var (status, report, _) = await _client.PostJsonAsync("/api/whatif", $$"""
            { "variants": [ { "name": "at-the-bound", "patch": { "sites": [ {{Site("a", 200)}}, {{Site("b", 200)}} ] } } ], "steps": 1 }
            """);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(MaxNodes, report.GetProperty("variants")[0].GetProperty("nodes").GetInt32());
    }

    [Fact]
    public async Task ManyVariantsEachWithinMaxNodesAreStillBoundedByMaxNodeSteps()
    {
        // Eight variants of 390 nodes, each within Simulation:MaxNodes: 3,120 node-steps at one step, past the 2,000 allowed.
        var variants = string.Join(", ", Enumerable.Range(0, 8).Select(i => $$"""{ "name": "v{{i}}", "patch": { "sites": [ {{Site("a", 195)}}, {{Site("b", 195)}} ] } }"""));
        var (status, problem, _) = await _client.PostJsonAsync("/api/whatif", $$"""{ "variants": [ {{variants}} ], "steps": 1 }""");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal(["steps"], problem.ErrorFields());
        Assert.Contains("3120 node-steps, more than the 2000 allowed (WhatIf:MaxNodeSteps)", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static string Site(string name, int nodes) =>
        $$"""{ "name": "{{name}}", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 2 }, "nodes": [ { "generation": "H100", "count": {{nodes}} } ] }""";
}
