using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace OrleansCluster.Grains;

/// <summary>The grain storage provider the simulation's durable state lives in.</summary>
public static class SimulationStorage
{
    /// <summary>Provider name: memory in the embedded silo, Redis in cluster mode.</summary>
    public const string Name = "simulation";

    /// <summary>The fault registry's live record: the faults in force, the run laid out and its epoch.</summary>
    public const string FaultRegistryState = "faults-v2";

    /// <summary>The fault registry's history of the faults that ended.</summary>
    public const string FaultHistoryState = "fault-history-v2";

    /// <summary>The job's record.</summary>
    public const string JobState = "job";

    /// <summary>
    /// Whether the state is held in memory (the embedded silo), where it ends with the process: its store is a set of
    /// grains that are gone once the silo shuts down, so a save on the way out cannot succeed and need not.
    /// </summary>
    public static bool IsInMemory(IServiceProvider services) =>
        services.GetKeyedService<IGrainStorage>(Name) is MemoryGrainStorage;
}
