using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Barrier;

namespace OrleansCluster.Grains.Tests.Barrier;

public sealed class SiteShardsTests
{
    [Theory]
    [InlineData(65, 16, 1, 5)]
    [InlineData(65, 16, 2, 6)]
    [InlineData(65, 16, 4, 8)]
    [InlineData(54, 16, 4, 4)]
    [InlineData(3, 16, 4, 3)]
    [InlineData(1954, 16, 4, 124)]
    public void ShardsAreContiguousRunsOfAtMostTheSizeAndAMultipleOfTheSilos(int blocks, int blocksPerShard, int silos, int expected)
    {
        var config = new SiteConfig(1, "s", Enumerable.Range(0, blocks).Select(b => Block($"s/{b:D4}")).ToArray());

        var shards = SiteShards.Split(config, blocksPerShard, silos);

        Assert.Equal(expected, shards.Length);
        Assert.Equal(config.Blocks.Select(b => b.Block), shards.SelectMany(s => s.Blocks).Select(b => b.Block));
        Assert.All(shards, s => Assert.InRange(s.Blocks.Count, 1, blocksPerShard));
        Assert.True(shards.Max(s => s.Blocks.Count) - shards.Min(s => s.Blocks.Count) <= 1, "runs as even as the count allows");
        Assert.All(shards, s => Assert.Equal((config.Epoch, config.Site), (s.Epoch, s.Site)));
    }

    [Fact]
    public void EachSiloGetsAsManyBlocksOfASiteWithinOneAShard()
    {
        var config = new SiteConfig(1, "colossus-1", Enumerable.Range(0, 65).Select(b => Block($"colossus-1/{b:D4}")).ToArray());
        foreach (var silos in new[] { 1, 2, 3, 4 })
        {
            var perSilo = SiteShards.PerSilo(config, 16, silos);
            var shards = SiteShards.Split(config, 16, silos);
            var blocks = perSilo.Select(l => l.Sum(p => p.Config.Blocks.Count)).ToArray();

            Assert.Equal(silos, perSilo.Length);
            Assert.Equal(Enumerable.Range(0, shards.Length), perSilo.SelectMany(l => l.Select(p => p.Shard)).Order());
            Assert.All(perSilo.SelectMany(l => l), p => Assert.Equal(shards[p.Shard].Blocks, p.Config.Blocks));
            Assert.True(blocks.Max() - blocks.Min() <= shards.Length / silos, $"{silos} silos step {string.Join(" / ", blocks)} blocks");
        }
    }

    [Fact]
    public void ConsecutiveShardsGoToConsecutiveSilosAndSitesDoNotAllStartOnTheSameOne()
    {
        var first = SiteShards.SiloOf("colossus-1", 0, 3);
        var firsts = Enumerable.Range(1, 8).Select(s => SiteShards.SiloOf($"site-{s}", 0, 4)).ToArray();

        Assert.Equal(Enumerable.Range(0, 9).Select(j => (first + j) % 3), Enumerable.Range(0, 9).Select(j => SiteShards.SiloOf("colossus-1", j, 3)));
        Assert.True(firsts.Distinct().Count() > 1, $"first shards on silos {string.Join(", ", firsts)}");
    }

    private static BlockConfig Block(string id) => new(1, id, [], 30, 3, "scenario", "s");
}
