namespace OrleansCluster.Model.Failures;

/// <summary>
/// Where a run's simulated time went: <see cref="ElapsedSeconds"/> all told (steps, failed steps with their restart,
/// checkpoints), <see cref="ProductiveSeconds"/> of completed steps still standing. A step completed since the last
/// checkpoint is productive until a failure rolls it back; then its time is lost. ETTR (effective training time
/// ratio) is productive over elapsed.
/// </summary>
public sealed record TrainingTime(double ElapsedSeconds, double ProductiveSeconds, double SinceCheckpointSeconds)
{
    /// <summary>No time yet.</summary>
    public static TrainingTime Zero { get; } = new(0, 0, 0);

    /// <summary>Productive over elapsed simulated time; 1 before any time has passed.</summary>
    public double Ettr => ElapsedSeconds > 0 ? ProductiveSeconds / ElapsedSeconds : 1;

    /// <summary>A step of <paramref name="stepSeconds"/> completed; at a checkpoint <paramref name="checkpointSeconds"/> more pass, unproductive.</summary>
    public TrainingTime AfterStep(double stepSeconds, bool checkpoint, double checkpointSeconds) => checkpoint
        ? new(ElapsedSeconds + stepSeconds + checkpointSeconds, ProductiveSeconds + stepSeconds, 0)
        : new(ElapsedSeconds + stepSeconds, ProductiveSeconds + stepSeconds, SinceCheckpointSeconds + stepSeconds);

    /// <summary>
    /// A step failed after <paramref name="failedSeconds"/> and the job restarts in <paramref name="restartSeconds"/>:
    /// both pass unproductive, and the steps since the last checkpoint are lost.
    /// </summary>
    public TrainingTime AfterFailure(double failedSeconds, double restartSeconds) =>
        new(ElapsedSeconds + failedSeconds + restartSeconds, ProductiveSeconds - SinceCheckpointSeconds, 0);

    /// <summary>Young-Daly: the checkpoint interval that minimises waste to first order, <c>sqrt(2 * checkpointSeconds * mtbfSeconds)</c>.</summary>
    public static double YoungDalySeconds(double checkpointSeconds, double mtbfSeconds) => Math.Sqrt(2 * checkpointSeconds * mtbfSeconds);

    /// <summary>
    /// The first-order expected ETTR of a job checkpointing every <paramref name="intervalSeconds"/> of work at a cost
    /// of <paramref name="checkpointSeconds"/>, interrupted every <paramref name="mtbfSeconds"/> on average, each
    /// interruption costing the detection time (<paramref name="detectSeconds"/>, the barrier timeout), the restart
    /// and half an interval of lost work: <c>1 - C / (tau + C) - (tau / 2 + detect + restart) / MTBF</c>, at least 0.
    /// </summary>
    public static double ExpectedEttr(double intervalSeconds, double checkpointSeconds, double mtbfSeconds, double detectSeconds, double restartSeconds)
    {
        var waste = (checkpointSeconds / (intervalSeconds + checkpointSeconds)) + (((intervalSeconds / 2) + detectSeconds + restartSeconds) / mtbfSeconds);
        return Math.Clamp(1 - waste, 0, 1);
    }
}
