using OrleansCluster.Model.Scenarios;

namespace OrleansCluster.Model.Tests.Scenarios;

public sealed class ScenarioPresetsTests
{
    [Fact]
    public void TheThreePresetsShipAndValidate()
    {
        Assert.Equal(["colossus", "small", "uniform"], ScenarioPresets.Names);
        foreach (var name in ScenarioPresets.Names)
        {
            var scenario = ScenarioPresets.Load(name);
            Assert.Equal(name, scenario.Name);
        }
    }

    [Fact]
    public void SmallIsTwoSitesOfAFewHundredMixedNodes()
    {
        var small = ScenarioPresets.Load(ScenarioPresets.Default);

        Assert.Equal(2, small.Sites.Count);
        Assert.InRange(small.NodeCount, 200, 999);
        Assert.True(small.Sites.SelectMany(s => s.Nodes).Select(n => n.Generation.Name).Distinct().Count() >= 3);
    }

    [Fact]
    public void UniformIsOneSiteOfOneGeneration()
    {
        var uniform = ScenarioPresets.Load("uniform");

        var site = Assert.Single(uniform.Sites);
        Assert.Single(site.Nodes);
        Assert.Empty(uniform.Links);
    }

    [Fact]
    public void ColossusMatchesThePublishedScale()
    {
        var colossus = ScenarioPresets.Load("colossus");
        long Gpus(string site, string generation) => colossus.Sites.Single(s => s.Name == site).Nodes
            .Where(n => n.Generation.Name == generation).Sum(n => (long)n.Count * n.GpusPerNode);

        Assert.Equal(["colossus-1", "colossus-2", "colossus-3"], colossus.Sites.Select(s => s.Name));
        Assert.Equal(150_000, Gpus("colossus-1", "H100"));
        Assert.Equal(50_000, Gpus("colossus-1", "H200"));
        Assert.Equal(30_000, Gpus("colossus-1", "GB200"));
        Assert.InRange(Gpus("colossus-1", "A100"), 1_000, 9_999);
        Assert.Equal(110_000, Gpus("colossus-2", "GB200"));
        Assert.Equal(110_000, Gpus("colossus-3", "GB200"));
        Assert.All(colossus.Sites.SelectMany(s => s.Nodes), n => Assert.Equal(n.Generation.Name == "GB200" ? 4 : 8, n.GpusPerNode));
        Assert.Equal(88_000, colossus.NodeCount);

        // Links from colossus-1 run more than 10 miles (16.09 km) over aging network; colossus-2 to -3 is modern.
        var aging = colossus.Links.Where(l => l.From == "colossus-1" || l.To == "colossus-1").ToArray();
        Assert.Equal(2, aging.Length);
        Assert.All(aging, l => Assert.True(l.DistanceKm > 16.09 && l.RouteFactor > 1));
        var modern = colossus.Links.Single(l => l.Id == "colossus-2-colossus-3");
        Assert.All(aging, l => Assert.True(l.BandwidthBytesPerSecond < modern.BandwidthBytesPerSecond && l.EquipmentLatencySeconds > modern.EquipmentLatencySeconds));
    }

    [Fact]
    public void ColossusTrainsAMixtureOfExpertsAtAboutAThousandTokensPerGpuOverWindowLimitedLinks()
    {
        var colossus = ScenarioPresets.Load("colossus");
        var model = colossus.Job.Model!;

        Assert.True(model.ActiveParameters < model.Parameters, "a mixture of experts computes with fewer parameters than it synchronises");
        Assert.InRange(model.TokensPerStep / colossus.GpuCount, 500, 2_000); // Llama 3: 16M tokens on 16,384 H100
        Assert.InRange(colossus.Job.Parallelism.Tensor, 1, 8); // within an HGX node
        Assert.All(colossus.Sites, s => Assert.Equal(0, s.GpuCount % colossus.Job.Parallelism.GpusPerReplica));
        var aging = colossus.Links.Where(l => l.From == "colossus-1").ToArray();
        Assert.All(aging, l => Assert.InRange(l.DistanceKm, 16, 20));
        Assert.All(colossus.Links, l => Assert.True(double.IsFinite(l.MaxInFlightBytes)));
    }

    [Fact]
    public void EveryPresetIsInModelModeSoTheBreakdownHasTokens()
    {
        Assert.All(ScenarioPresets.Names, name => Assert.NotNull(ScenarioPresets.Load(name).Job.Model));
    }

    [Fact]
    public void UnknownPresetIsRefusedByName()
    {
        var e = Assert.Throws<KeyNotFoundException>(() => ScenarioPresets.Load("huge"));
        Assert.Contains("huge", e.Message, StringComparison.Ordinal);
    }
}
