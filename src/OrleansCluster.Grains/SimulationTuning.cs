namespace OrleansCluster.Grains;

/// <summary>
/// How the live simulation is laid out over grains (bound from the <c>Simulation</c> configuration section).
/// None of these change a figure of the model; they trade grain calls against work per call.
/// </summary>
public sealed class SimulationTuning
{
    /// <summary>Nodes per block coordinator.</summary>
    public int BlockSize { get; set; } = 512;

    /// <summary>Steps a node grain computes per call (its times depend only on seed, step and faults).</summary>
    public int BatchSteps { get; set; } = 64;

    /// <summary>At <c>max</c> pace, how long one timer tick may keep stepping before letting other calls in.</summary>
    public int MaxPaceSliceMilliseconds { get; set; } = 20;

    /// <summary>Seconds between the job's progress log lines.</summary>
    public double LogIntervalSeconds { get; set; } = 10;

    /// <summary>
    /// Wall seconds a running job may go without completing a step before <c>/healthz</c> calls it stalled (at
    /// realtime pace, at least three barrier timeouts of simulated time at the current speed).
    /// </summary>
    public double StallSeconds { get; set; } = 120;

    /// <summary>Steps kept in the job's recent history.</summary>
    public int HistoryCapacity { get; set; } = 4096;
}
