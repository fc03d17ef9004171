using System.Text.Json.Nodes;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.WhatIf;

namespace OrleansCluster.Model.Tests.WhatIf;

/// <summary>Each named change produces the scenario it says, checked on the patched, validated scenario.</summary>
public sealed class NamedChangesTests
{
    private static readonly JsonObject Colossus = Document("colossus");

    private static JsonObject Document(string preset)
    {
        Assert.True(ScenarioPresets.TryGetJson(preset, out var json));
        return JsonNode.Parse(json, documentOptions: WhatIfEvaluator.DocumentOptions)!.AsObject();
    }

    private static Scenario Changed(string change)
    {
        var scenario = WhatIfEvaluator.Build(Colossus, new WhatIfVariant(change, Change: change), out var errors);
        Assert.Empty(errors);
        return scenario!;
    }

    [Fact]
    public void DropSiteRemovesTheSiteAndItsLinks()
    {
        var s = Changed("drop-site:colossus-1");
        Assert.Equal(["colossus-2", "colossus-3"], s.Sites.Select(x => x.Name));
        Assert.Equal(["colossus-2-colossus-3"], s.Links.Select(l => l.Id));
        Assert.Equal(220_000, s.GpuCount);
    }

    [Fact]
    public void DropGenerationRemovesItsNodesAndKeepsTheRest()
    {
        var s = Changed("drop-generation:A100");
        Assert.DoesNotContain(s.Sites.SelectMany(x => x.Nodes), n => n.Generation.Name == "A100");
        Assert.Equal(454_000 - 4_000, s.GpuCount);
        Assert.Equal(3, s.Links.Count);

        // Dropping the generation of two whole sites drops those sites and their links.
        var h = Changed("drop-generation:GB200");
        Assert.Equal(["colossus-1"], h.Sites.Select(x => x.Name));
        Assert.Empty(h.Links);
        Assert.Equal(204_000, h.GpuCount);
    }

    [Fact]
    public void HealLinksGivesEveryLinkTheModernFiguresAndMakesNoneWorse()
    {
        var before = ScenarioPresets.Load("colossus");
        var s = Changed("heal-links");
        for (var j = 0; j < s.Links.Count; j++)
        {
            var (old, healed) = (before.Links[j], s.Links[j]);
            Assert.Equal(old.DistanceKm, healed.DistanceKm);
            Assert.Equal(Math.Min(old.RouteFactor, NamedChanges.ModernRouteFactor), healed.RouteFactor);
            Assert.Equal(30e-6, healed.EquipmentLatencySeconds, 12);
            Assert.Equal(51_200e9 / 8, healed.BandwidthBytesPerSecond);
            Assert.Equal(8_192e6, healed.MaxInFlightBytes);
        }
    }

    [Fact]
    public void BalanceAndInterSiteEverySetTheJob()
    {
        Assert.Equal(WorkBalance.Proportional, Changed("balance:proportional").Job.Balance);
        Assert.Equal(16, Changed("inter-site-every:16").Job.InterSiteEverySteps);
    }

    [Fact]
    public void StandardIsTheBaselineAndEveryChangeThatApplies()
    {
        var names = NamedChanges.StandardVariants(ScenarioPresets.Load("colossus")).Select(v => v.Name).ToArray();
        Assert.Equal(
            ["baseline", "drop-site:colossus-1", "drop-site:colossus-2", "drop-site:colossus-3", "drop-generation:H100", "drop-generation:H200",
             "drop-generation:A100", "drop-generation:GB200", "heal-links", "balance:proportional", "inter-site-every:8"],
            names);

        // One site of one generation: nothing but the baseline applies.
        Assert.Equal(["baseline"], NamedChanges.StandardVariants(TestScenarios.Uniform(4)).Select(v => v.Name));
    }

    [Theory]
    [InlineData("drop-site:nowhere", "no site 'nowhere'")]
    [InlineData("drop-generation:B200", "no node of generation 'B200'")]
    [InlineData("inter-site-every:0", "inter-site-every")]
    [InlineData("paint-it-blue", "unknown change")]
    public void AnUnknownOrImpossibleChangeIsNamed(string change, string expected)
    {
        Assert.Null(WhatIfEvaluator.Build(Colossus, new WhatIfVariant(change, Change: change), out var errors));
        var error = Assert.Single(errors);
        Assert.Equal("change", error.Field);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMergePatchFollowsRfc7396()
    {
        var target = JsonNode.Parse("""{"a":"b","c":{"d":"e","f":"g"}}""");
        var patch = JsonNode.Parse("""{"a":"z","c":{"f":null}}""");
        Assert.Equal("""{"a":"z","c":{"d":"e"}}""", JsonMergePatch.Apply(target, patch)!.ToJsonString());
        Assert.Equal("""{"a":"b","c":{"d":"e","f":"g"}}""", target!.ToJsonString());
    }

    [Fact]
    public void EconomicsAreValidatedNamingTheField()
    {
        var patch = JsonNode.Parse("""{"economics":{"gpuHourPrices":{"H900":1,"H100":-2}}}""")!.AsObject();
        Assert.Null(WhatIfEvaluator.Build(Colossus, new WhatIfVariant("bad", patch), out var errors));
        Assert.Contains(errors, e => e.ToString().StartsWith("economics.gpuHourPrices.H900: unknown generation", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Field == "economics.gpuHourPrices.H100");
        Assert.Equal(1.25e9, ScenarioPresets.Load("colossus").Economics.LeaseRevenuePerMonth["colossus-1"]);
    }
}
