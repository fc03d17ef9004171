using Microsoft.Extensions.DependencyInjection;
using Orleans.Placement;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Grains.Links;

namespace OrleansCluster.Grains.Tests;

/// <summary>
/// Every grain of the simulation is placed by its own rules (each silo's coordinator on its silo, shards beside the
/// coordinator the job gives them to, blocks beside their shard, node grains beside their block) and is immovable to Orleans. Orleans 10.4 otherwise tries, as a silo stops, to
/// migrate each activation that still has calls queued; on a silo alone that attempt logs an error with a stack
/// trace ("Error while selecting a migration destination ... No active silos"), which failed
/// <c>SiloLogTests.SigtermStopsARunningSiloWithoutStackTraces</c> about once in ten runs. Orleans reads the
/// <c>immovable</c> property of the silo's grain manifest to decide; this is what the test reads.
/// </summary>
[Collection(JobTests.Name)]
public sealed class ImmovableGrainsTests(ClusterFixture fixture)
{
    [Fact]
    public void EveryGrainClassIsMarkedImmovable()
    {
        var grains = typeof(SiloBuilderExtensions).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && t.IsSubclassOf(typeof(Grain)))
            .ToArray();

        Assert.Equal(7, grains.Length); // the seven the manifest test below reads; a new grain is added there too
        Assert.All(grains, g => Assert.NotNull(g.GetCustomAttributes(typeof(ImmovableAttribute), inherit: false).SingleOrDefault()));
    }

    [Fact]
    public void EveryGrainOfTheSimulationIsImmovableToOrleans()
    {
        var client = fixture.Client;
        var types = new[]
        {
            client.GetGrain<IJobGrain>("job").GetGrainId().Type,
            client.GetGrain<IFaultRegistryGrain>("faults").GetGrainId().Type,
            client.GetGrain<ISiloCoordinatorGrain>("s").GetGrainId().Type,
            client.GetGrain<IShardGrain>("s/shard-0").GetGrainId().Type,
            client.GetGrain<IBlockGrain>("b").GetGrainId().Type,
            client.GetGrain<INodeGrain>("n").GetGrainId().Type,
            client.GetGrain<ILinkGrain>("l").GetGrainId().Type,
        };
        var manifest = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<IClusterManifestProvider>().LocalGrainManifest;

        foreach (var type in types)
        {
            Assert.True(manifest.Grains[type].Properties.TryGetValue("immovable", out var kind), $"{type} is movable");
            Assert.Equal((byte)ImmovableKind.Any, byte.Parse(kind, System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
