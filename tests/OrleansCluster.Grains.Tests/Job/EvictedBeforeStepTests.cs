using Microsoft.Extensions.DependencyInjection;
using OrleansCluster.Abstractions.Grains;
using Orleans.Storage;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Job;

namespace OrleansCluster.Grains.Tests.Job;

/// <summary>
/// A node the barrier evicted reads down on a new layout of the same run before the first step on it answers. Found by
/// review (fix-failover): the counts came from the tree's answers alone and read all healthy from a new layout to its
/// first step, a failover's paused job's for good (<c>SiloFailureTests</c>). Here the window is held open by a registry
/// that refuses the layout, so that the job keeps its new tree without stepping; the layout is asked for by a drain
/// announced by a silo that is not in the cluster.
/// </summary>
public sealed class EvictedBeforeStepTests(EvictedBeforeStepTests.RefusingRegistryFixture fixture) : IClassFixture<EvictedBeforeStepTests.RefusingRegistryFixture>
{
    private IFaultRegistryGrain Registry => fixture.Client.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key);

    [Fact]
    public async Task ANodeEvictedBeforeANewLayoutReadsDownUntilTheFirstStepOnIt()
    {
        var driver = new JobDriver(fixture.Client);
        await driver.StartAtMaxPaceAsync(Scenarios.Uniform(nodes: 32, site: "eb"));
        await driver.WaitForStepAsync(3);
        await Registry.InjectAsync([new FaultRequest("node.crash", new FaultTargetRequest(Node: "eb-00005"))], campaign: null);
        var evicted = await driver.WaitForAsync(s => s.Job.EvictedNodes == 1 && s.Job.StepsFailed >= 1 && s.Job.Step > 0);
        try
        {
            fixture.Refusals.Refuse = true;
            await driver.Job.DrainSiloAsync("127.0.0.1:1@1"); // no such silo: the tree is laid out again at the next tick
            var laidOut = await driver.WaitForAsync(s => s.Job.Epoch > evicted.Job.Epoch && s.Job.RegistryOff is not null);

            Assert.Null(laidOut.Job.Wall); // no step on the new layout
            Assert.Equal(1, laidOut.Job.EvictedNodes);
            var counts = Assert.Single(Assert.Single(laidOut.Sites).Generations);
            Assert.Equal(("H100", 31, 0, 1), (counts.Generation, counts.Healthy, counts.Degraded, counts.Down));
        }
        finally
        {
            fixture.Refusals.Refuse = false;
        }

        await driver.WaitForAsync(s => s.Job.RegistryOff is null && s.Job.Wall is not null && s.Job.EvictedNodes == 1);
        await driver.Job.StopAsync();
        await Registry.ClearAllAsync();
    }

    [Fact]
    public async Task ALoadWritesNoEvictedNodesOfTheLastRunForTheScenarioItLoads()
    {
        // Found by review: the load's write carried the last run's evicted positions beside the new scenario, so that a
        // job activated from it (a failover while the new layout was refused or slow) showed them down on a scenario that
        // never ran. The registry refuses the new layout, so the record stays as the load wrote it.
        var driver = new JobDriver(fixture.Client);
        await driver.StartAtMaxPaceAsync(Scenarios.Uniform(nodes: 32, site: "ld"));
        await driver.WaitForStepAsync(3);
        await Registry.InjectAsync([new FaultRequest("node.crash", new FaultTargetRequest(Node: "ld-00005"))], campaign: null);
        await driver.WaitForAsync(s => s.Job.EvictedNodes == 1 && s.Job.Step > 0);
        await driver.Job.PauseAsync();
        var storage = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(SimulationStorage.Name);
        var stored = new GrainState<JobRecord>(new JobRecord());
        await storage.ReadStateAsync(SimulationStorage.JobState, driver.Job.GetGrainId(), stored);
        Assert.Equal([5], stored.State!.EvictedNodes); // the paused run's, written: what a failover reads back
        try
        {
            fixture.Refusals.Refuse = true;
            // The load's record is written, then its layout fails on the registry's refusal.
            await Assert.ThrowsAsync<InvalidOperationException>(() => driver.Job.LoadAsync(ScenarioSource.FromJson(Scenarios.Uniform(nodes: 48, site: "lz"))));
            await storage.ReadStateAsync(SimulationStorage.JobState, driver.Job.GetGrainId(), stored);
            Assert.Contains("\"lz\"", stored.State!.Source?.Json, StringComparison.Ordinal);
            Assert.Empty(stored.State!.EvictedNodes);
        }
        finally
        {
            fixture.Refusals.Refuse = false;
        }

        await driver.Job.StopAsync();
        await Registry.ClearAllAsync();
    }

    /// <summary>The one-silo cluster whose fault registry can be made to refuse every layout handed to it.</summary>
    public sealed class RefusingRegistryFixture : ClusterFixture
    {
        public RegistryRefusals Refusals { get; } = new();

        protected override void ConfigureSilo(ISiloBuilder silo)
        {
            ArgumentNullException.ThrowIfNull(silo);
            silo.Services.AddSingleton<IIncomingGrainCallFilter>(Refusals);
        }
    }

    /// <summary>While <see cref="Refuse"/>, the registry's <c>RunStartedAsync</c> fails, as when its storage is out of reach.</summary>
    public sealed class RegistryRefusals : IIncomingGrainCallFilter
    {
        private volatile bool _refuse;

        public bool Refuse
        {
            get => _refuse;
            set => _refuse = value;
        }

        public async Task Invoke(IIncomingGrainCallContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            if (_refuse && context.InterfaceMethod?.DeclaringType == typeof(IFaultRegistryGrain) && context.InterfaceMethod.Name == nameof(IFaultRegistryGrain.RunStartedAsync))
            {
                throw new InvalidOperationException("the registry's storage is out of reach (test)");
            }

            await context.Invoke();
        }
    }
}
