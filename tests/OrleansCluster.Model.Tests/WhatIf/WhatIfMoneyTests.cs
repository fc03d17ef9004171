using System.Text.Json.Nodes;
using OrleansCluster.Model.WhatIf;

namespace OrleansCluster.Model.Tests.WhatIf;

/// <summary>
/// The lease value of the GPUs a variant leaves out (docs/economics.md): the site's lease pro rata, else those GPUs at
/// the variant's own price for 730 hours; without either the money is unknown (null), never a lease of 0.
/// </summary>
public sealed class WhatIfMoneyTests
{
    // Site a: two 8-GPU H100 nodes and one 8-GPU A100 node; site b: two 8-GPU H100 nodes. Only the H100 is priced
    // (2 USD per GPU-hour), and no site has a lease figure. Noise-free, so every step completes.
    private const string Mixed = """
        {
          "name": "mixed", "seed": 5,
          "job": { "model": { "parameters": 1e9, "tokensPerStep": 1e6, "gradientBytesPerParameter": 2 }, "comm": { "bucketMegabytes": 1000 }, "mfu": 0.5 },
          "sites": [
            { "name": "a", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 0 }, "gpusPerNode": 8, "nodes": [ { "generation": "H100", "count": 2 }, { "generation": "A100", "count": 1 } ] },
            { "name": "b", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 0 }, "gpusPerNode": 8, "nodes": [ { "generation": "H100", "count": 2 } ] }
          ],
          "links": [ { "from": "a", "to": "b", "distanceKm": 100, "bandwidthGbps": 800 } ],
          "noise": { "computeCv": 0, "linkJitterMicroseconds": 0 },
          "economics": { "gpuHourPrices": { "H100": 2 } }
        }
        """;

    private static VariantResult Evaluate(params WhatIfVariant[] variants) =>
        WhatIfEvaluator.Evaluate(Mixed, variants, 2, WhatIfObjective.UsefulFlops, TestContext.Current.CancellationToken).Variants[^1];

    private static WhatIfVariant Variant(string name, string change, string? patch = null) =>
        new(name, patch is null ? null : JsonNode.Parse(patch)!.AsObject(), change);

    [Fact]
    public void AGenerationLeftOutWithoutAPriceOrALeaseLeavesTheMoneyUnknown()
    {
        // Found by probing: the 8 A100 left out were counted as earning nothing, so the lease was 0 and the net cost
        // the gross one, as if nothing had been left out.
        var withoutA100 = Evaluate(Variant("no A100", "drop-generation:A100"));

        Assert.Null(withoutA100.Error);
        Assert.True(withoutA100.UsefulPflopsPerSecond > 0);
        Assert.Null(withoutA100.Money);

        var plan = WhatIfEvaluator.Plan(Mixed, [Variant("no A100", "drop-generation:A100")]);
        Assert.Equal(["A100 (left out of a, which has no leaseRevenuePerMonth)"], WhatIfMoney.MissingPrices(plan.Baseline, plan.Variants[0].Scenario!));
        Assert.Null(WhatIfMoney.LeftOutLease(plan.Baseline, plan.Variants[0].Scenario!, plan.Variants[0].Scenario!.Economics));
    }

    [Fact]
    public void AMoneyObjectiveIsRefusedNamingTheUnpricedGpusAVariantLeavesOut()
    {
        // Found in review: the objective's check asked only for the prices of the generations a variant uses, so a
        // variant whose money was unknown for the A100 it leaves out passed it and ranked last without a word.
        var plan = WhatIfEvaluator.Plan(Mixed, [Variant("no A100", "drop-generation:A100")]);

        var error = WhatIfEvaluator.ObjectiveError(plan, WhatIfObjective.UsdPer1e21Flops);

        Assert.NotNull(error);
        Assert.Equal("objective", error.Field);
        Assert.Contains("'no A100' has no price for A100 (left out of a, which has no leaseRevenuePerMonth)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ASiteLeftOutWithAnUnpricedGenerationLeavesTheMoneyUnknown()
    {
        var withoutA = Evaluate(Variant("b alone", "drop-site:a"));

        Assert.Null(withoutA.Money);
    }

    [Fact]
    public void LeftOutGpusAreLeasedAtTheVariantsOwnPriceFor730Hours()
    {
        // The variant's economics price the A100 at 1 USD per GPU-hour: its 8 left-out A100 earn 8 x 1 x 730 a month.
        var priced = Evaluate(Variant("no A100, priced", "drop-generation:A100", """{ "economics": { "gpuHourPrices": { "A100": 1 } } }"""));

        Assert.Equal(8 * 1 * 730.0, priced.Money!.LeftOutLeaseUsdPerMonth, 9);
        Assert.Equal(32 * 2.0, priced.Money.UsdPerHour, 9);
    }

    [Fact]
    public void ASiteWithALeaseFigureNeedsNoPriceForWhatItLeavesOut()
    {
        // Site a (24 GPUs) earns 2.4e6 USD a month leased whole: its 8 A100 left out, a third of it, 8e5.
        var leased = Evaluate(Variant("no A100, a leased", "drop-generation:A100", """{ "economics": { "leaseRevenuePerMonth": { "a": 2.4e6 } } }"""));

        Assert.Equal(8e5, leased.Money!.LeftOutLeaseUsdPerMonth, 6);
    }

    [Fact]
    public void TheBaselinesOwnUnpricedGenerationIsAMissingPrice()
    {
        var baseline = WhatIfEvaluator.Plan(Mixed, [WhatIfVariant.Baseline]).Baseline;

        Assert.Equal(["A100"], WhatIfMoney.MissingPrices(baseline, baseline));
        Assert.Null(Evaluate(WhatIfVariant.Baseline).Money);
    }

    [Fact]
    public void AVariantThatLeavesNothingOutEarnsNoLease()
    {
        var priced = Evaluate(Variant("priced", "heal-links", """{ "economics": { "gpuHourPrices": { "A100": 1 } } }"""));

        Assert.Equal(0, priced.Money!.LeftOutLeaseUsdPerMonth);
        Assert.Equal((32 * 2.0) + (8 * 1.0), priced.Money.UsdPerHour, 9);
    }
}
