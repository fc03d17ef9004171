namespace OrleansCluster.Model.Simulation;

/// <summary>
/// Whether a synchronous step fails, and why: the one rule that the live job and the what-if both apply, so that a
/// what-if counts as failed (costing the barrier timeout) exactly the steps the job would fail.
/// </summary>
public static class StepFailure
{
    /// <summary>
    /// Why a step evaluated as <paramref name="result"/> fails, or null when it completes: nodes that missed the
    /// barrier (<paramref name="missed"/>, known only to the live job's tree), a partition, no node at the barrier,
    /// or an all-reduce past the barrier timeout (<see cref="CollectiveWatchdog"/>).
    /// </summary>
    public static string? Reason(StepResult result, int missed, double barrierTimeoutSeconds)
    {
        ArgumentNullException.ThrowIfNull(result);
        return missed > 0 ? $"{missed} node(s) missed the barrier"
            : result.Partitioned ? "partition: the links that are up do not join every site"
            : result.HealthyNodes == 0 ? "no node reached the barrier"
            : CollectiveWatchdog.TimesOut(result, barrierTimeoutSeconds) ? $"{CollectiveWatchdog.Reason}: the all-reduce would take {AllReduceModel.CommSeconds(result.IntraSiteSeconds, result.InterSiteSeconds):G4} s, past the {barrierTimeoutSeconds:G4} s barrier timeout"
            : null;
    }
}
