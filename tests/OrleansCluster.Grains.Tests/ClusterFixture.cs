using Orleans.TestingHost;
using OrleansCluster.Grains;

namespace OrleansCluster.Grains.Tests;

/// <summary>A real in-process Orleans cluster of one silo, with small blocks so that every test crosses several.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const int BlockSize = 16;

    /// <summary>The largest scenario the tests' silo takes (Simulation:MaxNodes).</summary>
    public const int MaxNodes = 1_000;

    private InProcessTestCluster? _cluster;

    public IClusterClient Client => _cluster?.Client ?? throw new InvalidOperationException("the cluster is not deployed");

    public async ValueTask InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) => silo.AddClusterSimulation(tuning =>
        {
            tuning.BlockSize = BlockSize;
            tuning.BatchSteps = 8;
            tuning.MaxNodes = MaxNodes;
        }));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}

/// <summary>The job is a cluster singleton, so the tests that drive it run one after another on one cluster.</summary>
[CollectionDefinition(Name)]
public sealed class JobTests : ICollectionFixture<ClusterFixture>
{
    public const string Name = "job";
}
