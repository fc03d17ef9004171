using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Faults;

/// <summary>The registry's durable state: the run it serves, its faults, and its counters.</summary>
[GenerateSerializer, Alias("FaultRegistryState")]
public sealed class FaultRegistryState
{
    [Id(0)] public long Epoch { get; set; }

    [Id(1)] public ScenarioSource? Scenario { get; set; }

    [Id(2)] public long NextId { get; set; } = 1;

    /// <summary>Faults pending or in force.</summary>
    [Id(3)] public List<Fault> Faults { get; set; } = [];

    /// <summary>The most recent faults that expired or were cleared (bounded).</summary>
    [Id(4)] public List<Fault> Ended { get; set; } = [];

    [Id(5)] public Dictionary<string, long> InjectedByKind { get; set; } = new(StringComparer.Ordinal);
}
