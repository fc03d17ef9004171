using System.Net.Http.Json;
using System.Text.Json;
using OrleansCluster.Cli.Commands;
using OrleansCluster.Cli.Reports;
using SkiaSharp;

namespace OrleansCluster.Cli.Tests.Commands;

/// <summary>
/// A silo of its own for the what-if tests, served by Kestrel on 127.0.0.1 so that the built <c>orleanscluster</c> can
/// reach it too: they load a scenario of their own.
/// </summary>
public sealed class WhatIfSiloFixture : KestrelCliSiloFixture
{
    /// <summary>A client as the command makes its own: ten minutes a call (nine variants on two loaded cores).</summary>
    public HttpClient CreateTargetClient() => (Target with { Timeout = TimeSpan.FromMinutes(10) }).CreateClient();
}

/// <summary><c>whatif --variants standard --report DIR</c> against a real silo: the figures are present and consistent, the charts drawn.</summary>
public sealed class WhatIfCommandTests(WhatIfSiloFixture silo) : IClassFixture<WhatIfSiloFixture>, IDisposable
{
    // Mixed generations at site a, GB200 at site b over an old window-limited link, with prices and b's lease.
    internal const string Mixed = """
        {
          "name": "mixed", "seed": 9,
          "job": { "model": { "parameters": 1e9, "tokensPerStep": 1e6, "gradientBytesPerParameter": 2 }, "mfu": 0.4 },
          "sites": [
            { "name": "a", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 2 }, "gpusPerNode": 8, "nodes": [ { "generation": "H100", "count": 4 }, { "generation": "A100", "count": 2 } ] },
            { "name": "b", "fabric": { "bandwidthGbps": 3200, "hopLatencyMicroseconds": 1 }, "gpusPerNode": 4, "nodes": [ { "generation": "GB200", "count": 8 } ] }
          ],
          "links": [ { "from": "a", "to": "b", "distanceKm": 30, "routeFactor": 1.6, "equipmentLatencyMicroseconds": 400, "bandwidthGbps": 1600, "maxInFlightMegabytes": 64 } ],
          "noise": { "computeCv": 0.02, "linkJitterMicroseconds": 10, "nodeCv": 0.03 },
          "economics": { "gpuHourPrices": { "A100": 1, "H100": 2, "GB200": 3 }, "leaseRevenuePerMonth": { "b": 50000 } }
        }
        """;

    private static readonly string[] Parts = ["computeSeconds", "stragglerWaitSeconds", "intraSiteSeconds", "interSiteBandwidthSeconds", "interSiteLatencySeconds"];

    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"orleanscluster-whatif-{Guid.NewGuid():N}");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task StandardWritesConsistentFiguresAndChartsThatAreDrawn()
    {
        using var client = silo.CreateTargetClient();
        client.Timeout = TimeSpan.FromMinutes(10); // as the command's own client: nine variants on two loaded cores
        using (var load = await client.PutAsync("/api/scenario", new StringContent(Mixed, System.Text.Encoding.UTF8, "application/json"), Ct))
        {
            Assert.True(load.IsSuccessStatusCode, await load.Content.ReadAsStringAsync(Ct));
        }

        var report = await WhatIf.RunAsync(client, WhatIf.Request("standard", 10, "usd-per-1e21-flops"), Ct);
        var written = await ReportWriter.WriteFilesAsync(_folder, "whatif", report, silo.Target.BaseAddress, path => WhatIfChart.SavePng(report, path), Ct);

        // Every file written is named (the "report:" line prints this list): the three single charts among them.
        Assert.Equal(["whatif.json", "whatif.md", "whatif.png", "whatif-eflops.png", "whatif-breakdown.png", "whatif-cost.png"], written.Select(Path.GetFileName));
        Assert.Equal(Directory.GetFiles(_folder).Order(StringComparer.Ordinal), written.Order(StringComparer.Ordinal));
        Assert.Equal(
            ["baseline", "drop-site:a", "drop-site:b", "drop-generation:H100", "drop-generation:A100", "drop-generation:GB200", "heal-links", "balance:proportional", "inter-site-every:8"],
            report.Variants.Select(v => v.Name));

        // Figures consistent with one another: tokens/s and FLOP/s from the mean step, money from the GPUs and prices.
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_folder, "whatif.json"), Ct));
        var variants = json.RootElement.GetProperty("variants");
        Assert.Equal(9, variants.GetArrayLength());
        var prices = new Dictionary<string, double> { ["A100"] = 1, ["H100"] = 2, ["GB200"] = 3 };
        foreach (var v in variants.EnumerateArray())
        {
            var mean = v.GetProperty("meanStepSeconds").GetDouble();
            Assert.True(mean > 0 && v.GetProperty("p99StepSeconds").GetDouble() >= mean * 0.999);
            Assert.Equal(1e6 / mean, v.GetProperty("tokensPerSecond").GetDouble(), 1e-6 * 1e6 / mean);
            Assert.Equal(6e15 / mean / 1e15, v.GetProperty("usefulPflopsPerSecond").GetDouble(), 1e-9);
            var parts = v.GetProperty("breakdown");
            var sum = Parts.Sum(p => parts.GetProperty(p).GetDouble());
            Assert.Equal(mean, sum, 1e-9);
            var usdPerHour = v.GetProperty("gpusByGeneration").EnumerateObject().Sum(g => g.Value.GetInt64() * prices[g.Name]);
            var money = v.GetProperty("money");
            Assert.Equal(usdPerHour, money.GetProperty("usdPerHour").GetDouble(), 1e-9);
            Assert.Equal(usdPerHour / 3600 * mean / 6e15 * 1e21, money.GetProperty("usdPer1e21Flops").GetDouble(), 1e-6);
        }

        // Dropping b leaves its whole lease out; the ranking is by USD per 1e21 FLOPs, cheapest first.
        Assert.Equal(50_000, report.Variants.Single(v => v.Name == "drop-site:b").Money!.LeftOutLeaseUsdPerMonth, 6);
        var costs = report.Ranked().Select(v => v.Money!.UsdPer1e21Flops).ToArray();
        Assert.Equal(costs.Order(), costs);

        var markdown = await File.ReadAllTextAsync(Path.Combine(_folder, "whatif.md"), Ct);
        Assert.All(report.Variants, v => Assert.Contains($"| {v.Name} |", markdown, StringComparison.Ordinal));
        Assert.Contains("![whatif](whatif.png)", markdown, StringComparison.Ordinal);

        foreach (var png in WhatIfChart.Singles.Select(s => $"whatif-{s}.png").Prepend("whatif.png"))
        {
            using var bitmap = SKBitmap.Decode(Path.Combine(_folder, png));
            Assert.Equal(WhatIfChart.Width, bitmap.Width);
            var colours = new HashSet<SKColor>();
            for (var y = 0; y < bitmap.Height; y += 3)
            {
                for (var x = 0; x < bitmap.Width; x += 3)
                {
                    colours.Add(bitmap.GetPixel(x, y));
                }
            }

            Assert.True(colours.Count > 20, $"{png}: {colours.Count} colours, the chart looks blank");
        }
    }

    [Fact]
    public async Task AVariantWithNeitherPatchNorChangeIsTheBaseline()
    {
        // As the admin API defines it, and as campaigns/whatif/colossus-story.json's "as shipped" uses it: a probe
        // asked whether it should be refused.
        Directory.CreateDirectory(_folder);
        var file = Path.Combine(_folder, "variants.json");
        await File.WriteAllTextAsync(file, """[{ "name": "as shipped" }, { "name": "usual", "change": "standard" }]""", Ct);
        using var client = silo.CreateTargetClient();
        client.Timeout = TimeSpan.FromMinutes(10);

        var report = await WhatIf.RunAsync(client, WhatIf.Request(file, 5, null), Ct);

        var shipped = report.Variants.Single(v => v.Name == "as shipped");
        var baseline = report.Variants.Single(v => v.Name == "usual/baseline");
        Assert.Null(shipped.Error);
        Assert.Equal((baseline.Gpus, baseline.MeanStepSeconds), (shipped.Gpus, shipped.MeanStepSeconds));
    }

    [Fact]
    public async Task ARefusalIsAnErrorNamingTheProblem()
    {
        using var client = silo.CreateTargetClient();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => WhatIf.RunAsync(client, WhatIf.Request("standard", 0, null), Ct));
        Assert.Contains("answered 400", error.Message, StringComparison.Ordinal);
        Assert.Contains("steps", error.Message, StringComparison.Ordinal);
    }
}
