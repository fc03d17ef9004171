using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Faults;
using OrleansCluster.Grains.Job;

namespace OrleansCluster.Grains.Tests.Job;

/// <summary>
/// A scenario stored by a build with looser bounds (here an H100 of 1e-6 TFLOPS, under today's 1e-3) no longer
/// resolves: found in review, the job's and the registry's activations threw on it, so every call failed and no
/// scenario could be loaded until the storage was wiped. Now both start empty and a load works.
/// </summary>
public sealed class StoredScenarioTests
{
    [Fact]
    public async Task AStoredScenarioThatNoLongerResolvesLeavesTheJobIdleAndANewLoadRuns()
    {
        await using var fixture = new ClusterFixture();
        await fixture.InitializeAsync();
        var source = Scenarios.NoLongerResolving(Scenarios.Uniform(nodes: 16));
        var storage = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(SimulationStorage.Name);
        var job = fixture.Client.GetGrain<IJobGrain>(IJobGrain.Key);
        var registry = fixture.Client.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key);
        await storage.WriteStateAsync(SimulationStorage.JobState, job.GetGrainId(), new GrainState<JobRecord>(new JobRecord { Source = source, State = JobState.Running, Step = 42, Epoch = 3 }));
        await storage.WriteStateAsync(SimulationStorage.FaultRegistryState, registry.GetGrainId(), new GrainState<FaultRegistryState>(new FaultRegistryState { Scenario = source, Epoch = 3 }));

        var status = await job.GetStatusAsync();
        Assert.Equal((JobState.Idle, 0L), (status.Job.State, status.Job.Step));
        Assert.Empty(await registry.ListAsync(includeEnded: false));

        var driver = new JobDriver(fixture.Client);
        await driver.StartAtMaxPaceAsync(Scenarios.Uniform(nodes: 16));
        var running = await driver.WaitForStepAsync(3);
        Assert.Equal("uniform-test", running.Scenario);
        await job.StopAsync();
    }
}
