using System.Net;
using System.Text.Json;

namespace OrleansCluster.Silo.Tests.Api;

/// <summary>
/// <c>POST /api/whatif</c> through real HTTP: a variant's errors name the field of the request the client sent
/// (<c>variants[0].patch.seed</c>), a lease of a site that exists nowhere is refused naming it, and the lease of GPUs
/// left out without a price or a lease figure is unknown (no money), never 0 (docs/economics.md).
/// </summary>
public sealed class WhatIfValidationTests : IAsyncLifetime
{
    // Noise-free, direct mode: site a holds 4 H100 and 2 A100 nodes, site b 4 H100, 8 GPUs each; no economics.
    private const string Mixed = """
        {
          "name": "mixed", "seed": 3,
          "job": { "flopsPerGpuPerStep": 4e14, "gradientBytes": 1e9, "barrierTimeoutSeconds": 10, "checkpointEverySteps": 5 },
          "sites": [
            { "name": "a", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 2 }, "gpusPerNode": 8, "nodes": [ { "generation": "H100", "count": 4 }, { "generation": "A100", "count": 2 } ] },
            { "name": "b", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 2 }, "gpusPerNode": 8, "nodes": [ { "generation": "H100", "count": 4 } ] }
          ],
          "links": [ { "from": "a", "to": "b", "distanceKm": 20, "bandwidthGbps": 400 } ],
          "noise": { "computeCv": 0, "linkJitterMicroseconds": 0 }
        }
        """;

    private readonly SiloFactory _factory = new() { Scenario = "small" };

    private HttpClient _client = null!;

    public async ValueTask InitializeAsync()
    {
        _client = _factory.CreateAdminClient();
        var (status, body, _) = await _client.SendJsonAsync(HttpMethod.Put, "/api/scenario", Mixed);
        Assert.True(status == HttpStatusCode.OK, body.ToString());
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    [Theory]
    [InlineData("""{ "name": null }""", "variants[1].patch.name")] // once variants[1].name, the variant's own name
    [InlineData("""{ "seed": -1 }""", "variants[1].patch.seed")]
    [InlineData("""{ "job": { "barrierTimeoutSeconds": 1e-300 } }""", "variants[1].patch.job.barrierTimeoutSeconds")]
    public async Task AnErrorInAPatchNamesItsFieldInThePatch(string patch, string field)
    {
        var (status, problem, response) = await _client.PostJsonAsync("/api/whatif", $$"""{ "variants": [ { "name": "baseline" }, { "name": "v", "patch": {{patch}} } ], "steps": 1 }""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal([field], problem.ErrorFields());

        // Found by probing: "(line 1, byte N)" counted in the baseline with the patch applied, which the client never saw.
        Assert.DoesNotContain("(line ", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALeaseOfASiteThatExistsNowhereIsRefusedNamingTheLease()
    {
        var (status, problem, _) = await _client.PostJsonAsync("/api/whatif", """
            { "variants": [ { "name": "baseline" }, { "name": "a alone", "change": "drop-site:b",
              "patch": { "economics": { "gpuHourPrices": { "H100": 2, "A100": 1 }, "leaseRevenuePerMonth": { "b": 1e6, "mars": 1e6 } } } } ], "steps": 1 }
            """);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["variants[1].patch.economics.leaseRevenuePerMonth.mars"], problem.ErrorFields());
        Assert.Contains("unknown site 'mars'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // The lease of the site the variant drops is what leases are for.
        var (ok, report, _) = await _client.PostJsonAsync("/api/whatif", """
            { "variants": [ { "name": "a alone", "change": "drop-site:b",
              "patch": { "economics": { "gpuHourPrices": { "H100": 2, "A100": 1 }, "leaseRevenuePerMonth": { "b": 1e6 } } } } ], "steps": 1 }
            """);
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.Equal(1e6, Money(report, 0).GetProperty("leftOutLeaseUsdPerMonth").GetDouble(), 6);
    }

    [Fact]
    public async Task GpusLeftOutWithoutAPriceOrALeaseLeaveTheMoneyUnknown()
    {
        // Found by probing: the 16 A100 left out, with no price and no lease for site a, were counted as earning 0.
        var (status, report, _) = await _client.PostJsonAsync("/api/whatif", """
            { "variants": [
              { "name": "unpriced", "change": "drop-generation:A100", "patch": { "economics": { "gpuHourPrices": { "H100": 2 } } } },
              { "name": "priced", "change": "drop-generation:A100", "patch": { "economics": { "gpuHourPrices": { "H100": 2, "A100": 1 } } } } ], "steps": 1 }
            """);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(Money(report, 0).ValueKind is JsonValueKind.Null or JsonValueKind.Undefined, report.ToString()); // null, or left out as null

        // Priced at the variant's own A100 price for 730 hours: 16 GPUs x 1 USD x 730.
        Assert.Equal(16 * 730.0, Money(report, 1).GetProperty("leftOutLeaseUsdPerMonth").GetDouble(), 6);
        Assert.Equal(64 * 2.0, Money(report, 1).GetProperty("usdPerHour").GetDouble(), 6);
    }

    private static JsonElement Money(JsonElement report, int variant) =>
        report.GetProperty("variants")[variant].TryGetProperty("money", out var money) ? money : default;
}
