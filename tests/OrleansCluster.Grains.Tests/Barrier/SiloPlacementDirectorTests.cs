using System.Net;
using Orleans.Runtime.Placement;
using OrleansCluster.Grains.Barrier;

namespace OrleansCluster.Grains.Tests.Barrier;

public sealed class SiloPlacementDirectorTests
{
    private static readonly SiloAddress[] Silos =
    [
        SiloAddress.New(IPAddress.Loopback, 11111, 7),
        SiloAddress.New(IPAddress.Loopback, 11112, 7),
        SiloAddress.New(IPAddress.Loopback, 11113, 7),
    ];

    [Fact]
    public async Task ACoordinatorGoesToTheSiloItsKeyNamesWhicheverSiloAsks()
    {
        foreach (var silo in Silos)
        {
            foreach (var local in Silos)
            {
                Assert.Equal(silo, await PlaceAsync(silo.ToParsableString(), new Context(Silos, local)));
            }
        }
    }

    [Fact]
    public async Task ACoordinatorOfASiloThatHasLeftIsNotActivatedElsewhere()
    {
        // The same endpoint restarted is another silo (another generation): its old coordinator's key is refused too.
        var gone = SiloAddress.New(IPAddress.Loopback, 11111, 6);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => PlaceAsync(gone.ToParsableString(), new Context(Silos, Silos[0])));

        Assert.Contains("not in the cluster", error.Message, StringComparison.Ordinal);
    }

    private static Task<SiloAddress> PlaceAsync(string key, IPlacementContext context) =>
        new SiloPlacementDirector().OnAddActivation(
            new SiloPlacementStrategy(),
            new PlacementTarget(GrainId.Create("silocoordinator", key), [], default, 0),
            context);

    private sealed class Context(SiloAddress[] silos, SiloAddress local) : IPlacementContext
    {
        public SiloAddress LocalSilo => local;

        public SiloStatus LocalSiloStatus => SiloStatus.Active;

        public SiloAddress[] GetCompatibleSilos(PlacementTarget target) => silos;

        public IReadOnlyDictionary<ushort, SiloAddress[]> GetCompatibleSilosWithVersions(PlacementTarget target) =>
            new Dictionary<ushort, SiloAddress[]> { [0] = silos };
    }
}
