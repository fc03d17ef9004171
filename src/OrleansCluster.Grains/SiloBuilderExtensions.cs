using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansCluster.Grains.Barrier;
using OrleansCluster.Grains.Telemetry;

namespace OrleansCluster.Grains;

/// <summary>What a silo needs to host the simulation's grains.</summary>
public static class SiloBuilderExtensions
{
    /// <summary>
    /// Registers the grains' services: the clock, the tuning and telemetry options, the metrics the grains report
    /// into (step and fault gauges, node histograms, per-node gauges, dcgm), the two placements (each silo's
    /// coordinator on its own silo; blocks and shards beside their coordinator), and (unless the host registers
    /// another, as cluster mode does with Redis) in-memory storage for the durable state.
    /// </summary>
    public static ISiloBuilder AddClusterSimulation(this ISiloBuilder silo, Action<SimulationTuning>? tune = null, bool memoryStorage = true)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.TryAddSingleton(TimeProvider.System);
        silo.Services.AddMetrics();
        silo.Services.TryAddSingleton<SimulationMetrics>();
        silo.Services.TryAddSingleton<NodeHistograms>();
        silo.Services.TryAddSingleton<NodeGauges>();
        silo.Services.TryAddSingleton<DcgmNodes>();
        silo.Services.AddOptions<TelemetryOptions>();
        silo.AddPlacementDirector<SiloPlacementStrategy, SiloPlacementDirector>();
        silo.AddPlacementDirector<BesideCoordinatorPlacementStrategy, BesideCoordinatorPlacementDirector>();
        var options = silo.Services.AddOptions<SimulationTuning>().ValidateOnStart();
        silo.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SimulationTuning>, SimulationTuningValidator>());
        if (tune is not null)
        {
            options.Configure(tune);
        }

        if (memoryStorage)
        {
            // Orleans-serialized like the Redis store (the default JSON serializer cannot read our records back),
            // so that a grain reactivated in the embedded silo finds its state as it left it.
            silo.AddMemoryGrainStorage(SimulationStorage.Name, options => options.Configure<Serializer>(
                (memory, serializer) => memory.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer)));
        }

        return silo;
    }
}
