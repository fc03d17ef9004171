namespace OrleansCluster.Model.Simulation;

/// <summary>
/// NCCL's watchdog, as real jobs run it: a collective that has not finished within the job's timeout is aborted
/// and the step fails, costing the timeout. Without it, one extreme but valid fault (a link at a billionth of its
/// bandwidth) would make a single step last years of simulated time.
/// </summary>
public static class CollectiveWatchdog
{
    /// <summary>The reason a step fails when its all-reduce outlasts the timeout.</summary>
    public const string Reason = "collective_timeout";

    /// <summary>Whether the step's all-reduce (<c>T_comm</c>, before any overlap) would run past <paramref name="timeoutSeconds"/>.</summary>
    public static bool TimesOut(StepResult result, double timeoutSeconds)
    {
        ArgumentNullException.ThrowIfNull(result);
        var comm = AllReduceModel.CommSeconds(result.IntraSiteSeconds, result.InterSiteSeconds);
        return !(comm <= timeoutSeconds); // NaN or infinity counts as a timeout
    }
}
