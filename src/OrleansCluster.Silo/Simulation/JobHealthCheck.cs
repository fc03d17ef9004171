using Microsoft.Extensions.Diagnostics.HealthChecks;
using OrleansCluster.Abstractions.Grains;

namespace OrleansCluster.Silo.Simulation;

/// <summary>
/// Healthy when the job grain answers and, while it runs, keeps completing new steps: a job that has gone longer than
/// its stall bound without a step past the furthest it had completed (a wedged failover, a fault that fails every
/// step, a step that fails again after each rollback) is unhealthy, with the reason.
/// The description says what the job is doing.
/// </summary>
internal sealed class JobHealthCheck(IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var status = await grains.GetGrain<IJobGrain>(IJobGrain.Key).GetStatusAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            var job = status.Job;
            var summary = $"{status.Scenario}: {job.State}, step {job.Step}";
            if (job.Progress is { Stalled: true } progress)
            {
                var reason = progress.LastFailure is { } failure ? $"; last failure: {failure}" : string.Empty;
                return HealthCheckResult.Unhealthy(
                    $"{summary}: no new step completed for {progress.SecondsSinceStep:F0} s (stall bound {progress.StallBoundSeconds:F0} s){reason}");
            }

            return HealthCheckResult.Healthy(summary);
        }
        catch (Exception e) when (e is TimeoutException or OrleansException)
        {
            return HealthCheckResult.Unhealthy("the job grain does not answer", e);
        }
    }
}
