using Microsoft.Extensions.DependencyInjection;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Telemetry;
using OrleansCluster.Grains.Tests.Faults;

namespace OrleansCluster.Grains.Tests.Telemetry;

/// <summary>
/// A silo exports the job's figures and the fault gauges only while it hosts the grain that reports them (found by
/// probing: a silo the registry had left exported its last fault counts, and the dashboards' max across silos showed
/// five faults in force where one was; a silo the job had left, its last step number).
/// </summary>
[Collection(FlakyStorageTests.Name)]
public sealed class MetricsLeaveWithTheirGrainTests(FlakyStorageFixture fixture)
{
    private SimulationMetrics Metrics => fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<SimulationMetrics>();

    private IJobGrain Job => fixture.Client.GetGrain<IJobGrain>(IJobGrain.Key);

    private IFaultRegistryGrain Registry => fixture.Client.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key);

    [Fact]
    public async Task TheJobsAndTheRegistrysFiguresLeaveTheSiloWithThem()
    {
        fixture.Storage.Disarm();
        await Job.StopAsync();
        await Job.LoadAsync(ScenarioSource.FromJson(Scenarios.Uniform(nodes: 32, site: "ml")));
        await Registry.ClearAllAsync();
        await Job.SetPaceAsync(PaceSettings.Max);
        await Job.StartAsync();
        await Registry.InjectAsync([new("node.slowdown", new FaultTargetRequest(Node: "ml-00001"), new Dictionary<string, double> { ["factor"] = 2 })], campaign: null);
        await Eventually.WaitForAsync(() => Task.FromResult(Metrics.LastStep is { Number: > 0 } && Metrics.LastFaults is not null), "the job's and the registry's first figures");
        await Job.StopAsync();

        await fixture.DeactivateAsync(Job, "job");
        Assert.Null(Metrics.LastStep);
        await fixture.DeactivateAsync(Registry, "faultregistry");
        Assert.Null(Metrics.LastFaults);

        // Back with the grains: the registry reports as it activates and applies its faults.
        await Registry.HealthAsync();
        await Eventually.WaitForAsync(() => Task.FromResult(Metrics.LastFaults is not null), "the registry's figures once it is back");
    }
}
