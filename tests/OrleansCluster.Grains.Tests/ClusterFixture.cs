using Orleans.Core.Internal;
using Orleans.Runtime;
using Orleans.TestingHost;
using OrleansCluster.Grains;

namespace OrleansCluster.Grains.Tests;

/// <summary>
/// A real in-process Orleans cluster of one silo, with small blocks and shards of two blocks, so that every test
/// crosses several blocks and (but for the smallest sites) several shards per site.
/// </summary>
public class ClusterFixture : IAsyncLifetime
{
    public const int BlockSize = 16;

    public const int BlocksPerShard = 2;

    /// <summary>The largest scenario the tests' silo takes (Simulation:MaxNodes).</summary>
    public const int MaxNodes = 1_000;

    private readonly int _silos;
    private InProcessTestCluster? _cluster;

    public ClusterFixture()
        : this(1)
    {
    }

    protected ClusterFixture(int silos) => _silos = silos;

    public IClusterClient Client => Cluster.Client;

    public InProcessTestCluster Cluster => _cluster ?? throw new InvalidOperationException("the cluster is not deployed");

    /// <summary>Deactivates <paramref name="grain"/> and waits until no grain of <paramref name="type"/> is active, so that the next call reads it back from storage.</summary>
    public async Task DeactivateAsync(IAddressable grain, string type)
    {
        ArgumentNullException.ThrowIfNull(grain);
        await grain.Cast<IGrainManagementExtension>().DeactivateOnIdle(TestContext.Current.CancellationToken);
        var management = Client.GetGrain<IManagementGrain>(0);
        await Eventually.WaitForAsync(async () => (await management.GetActiveGrains(GrainType.Create(type), TestContext.Current.CancellationToken)).Count == 0, $"the {type} grain's deactivation");
    }

    public async ValueTask InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder((short)_silos);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddClusterSimulation(tuning =>
            {
                tuning.BlockSize = BlockSize;
                tuning.BatchSteps = 8;
                tuning.BlocksPerShard = BlocksPerShard;
                tuning.MaxNodes = MaxNodes;
            });
            ConfigureSilo(silo);
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    /// <summary>What a fixture adds to each silo after the simulation's own services.</summary>
    protected virtual void ConfigureSilo(ISiloBuilder silo)
    {
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}

/// <summary>The same cluster with two silos, to see where the barrier tree's grains activate.</summary>
public sealed class TwoSiloClusterFixture() : ClusterFixture(2);

/// <summary>The job is a cluster singleton, so the tests that drive it run one after another on one cluster.</summary>
[CollectionDefinition(Name)]
public sealed class JobTests : ICollectionFixture<ClusterFixture>
{
    public const string Name = "job";
}

/// <summary>Tests on the two-silo cluster, one after another (its job is a singleton too).</summary>
[CollectionDefinition(Name)]
public sealed class TwoSiloTests : ICollectionFixture<TwoSiloClusterFixture>
{
    public const string Name = "two-silos";
}
