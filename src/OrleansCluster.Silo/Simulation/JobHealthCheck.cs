using Microsoft.Extensions.Diagnostics.HealthChecks;
using OrleansCluster.Abstractions.Grains;

namespace OrleansCluster.Silo.Simulation;

/// <summary>Healthy when the job grain answers; the description says what it is doing.</summary>
internal sealed class JobHealthCheck(IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var status = await grains.GetGrain<IJobGrain>(IJobGrain.Key).GetStatusAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            return HealthCheckResult.Healthy($"{status.Scenario}: {status.Job.State}, step {status.Job.Step}");
        }
        catch (Exception e) when (e is TimeoutException or OrleansException)
        {
            return HealthCheckResult.Unhealthy("the job grain does not answer", e);
        }
    }
}
