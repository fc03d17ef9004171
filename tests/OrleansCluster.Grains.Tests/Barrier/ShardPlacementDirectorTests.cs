using System.Net;
using Orleans.Runtime.Placement;
using OrleansCluster.Grains.Barrier;

namespace OrleansCluster.Grains.Tests.Barrier;

public sealed class ShardPlacementDirectorTests
{
    private static readonly SiloAddress[] Sorted =
    [
        SiloAddress.New(IPAddress.Loopback, 11111, 1),
        SiloAddress.New(IPAddress.Loopback, 11112, 1),
        SiloAddress.New(IPAddress.Loopback, 11113, 1),
    ];

    [Fact]
    public async Task ConsecutiveShardsOfASiteGoToConsecutiveSilosSortedByAddress()
    {
        var context = new Context([Sorted[2], Sorted[0], Sorted[1]]);
        var first = Array.IndexOf(Sorted, await PlaceAsync("colossus-1/shard-0", context));

        for (var j = 0; j < 9; j++)
        {
            Assert.Equal(Sorted[(first + j) % 3], await PlaceAsync($"colossus-1/shard-{j}", context));
        }
    }

    [Fact]
    public async Task TheChoiceDoesNotDependOnTheOrderTheSilosAreListedIn()
    {
        foreach (var j in Enumerable.Range(0, 6))
        {
            var key = $"dc/shard-{j}";
            Assert.Equal(await PlaceAsync(key, new Context(Sorted)), await PlaceAsync(key, new Context([.. Sorted.Reverse()])));
        }
    }

    [Fact]
    public void SitesDoNotAllStartOnTheSameSilo()
    {
        var firsts = Enumerable.Range(1, 8).Select(s => ShardPlacementDirector.Choose($"site-{s}/shard-0", 4)).ToArray();

        Assert.True(firsts.Distinct().Count() > 1, $"first shards on silos {string.Join(", ", firsts)}");
    }

    [Fact]
    public void ShardKeysReadBackAsWritten()
    {
        Assert.True(ShardKey.TryParse(ShardKey.Format("a/b", 12), out var site, out var shard));
        Assert.Equal(("a/b", 12), (site, shard));
        Assert.False(ShardKey.TryParse("a/0001", out _, out _));
    }

    private static Task<SiloAddress> PlaceAsync(string key, IPlacementContext context) =>
        new ShardPlacementDirector().OnAddActivation(
            new ShardPlacementStrategy(),
            new PlacementTarget(GrainId.Create("shard", key), [], default, 0),
            context);

    private sealed class Context(SiloAddress[] silos) : IPlacementContext
    {
        public SiloAddress LocalSilo => silos[0];

        public SiloStatus LocalSiloStatus => SiloStatus.Active;

        public SiloAddress[] GetCompatibleSilos(PlacementTarget target) => silos;

        public IReadOnlyDictionary<ushort, SiloAddress[]> GetCompatibleSilosWithVersions(PlacementTarget target) =>
            new Dictionary<ushort, SiloAddress[]> { [0] = silos };
    }
}
