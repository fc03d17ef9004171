namespace OrleansCluster.Testing;

/// <summary>
/// The names the simulation's grains store their records under in <see cref="Grains.SimulationStorage"/> (their
/// <c>[PersistentState]</c> names), for the tests that fail, count, read or lose those writes by name.
/// </summary>
public static class StoredStates
{
    /// <summary>The fault registry's live record: the faults in force, the run laid out and its epoch.</summary>
    public const string FaultRegistry = "faults-v2";

    /// <summary>The fault registry's history of the faults that ended.</summary>
    public const string FaultHistory = "fault-history-v2";

    /// <summary>The job's record.</summary>
    public const string Job = "job";
}
