namespace OrleansCluster.Grains;

/// <summary>The grain storage provider the simulation's durable state lives in.</summary>
public static class SimulationStorage
{
    /// <summary>Provider name: memory in the embedded silo, Redis in cluster mode.</summary>
    public const string Name = "simulation";
}
