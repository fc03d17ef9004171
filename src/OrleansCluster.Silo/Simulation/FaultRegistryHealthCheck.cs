using Microsoft.Extensions.Diagnostics.HealthChecks;
using OrleansCluster.Abstractions.Grains;

namespace OrleansCluster.Silo.Simulation;

/// <summary>
/// Healthy when the fault registry answers. The job can keep stepping while the registry does not (it calls the
/// registry only to hand over background failures), so the job's check alone would call a silo healthy whose every
/// fault route answers 503: the state the background-failure wedge left a silo in until a restart. The description
/// says how many faults are pending or in force.
/// </summary>
internal sealed partial class FaultRegistryHealthCheck(IGrainFactory grains, ILogger<FaultRegistryHealthCheck> logger) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            // Asked in the registry's turn order (found by review: a read that interleaves answered while the registry's
            // turn waited on storage and every change timed out behind it).
            var health = await grains.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key).HealthAsync().WaitAsync(HealthEndpoint.CheckDeadline, cancellationToken);
            var summary = $"{health.InForce} faults pending or in force";
            return HealthEndpoint.Unwritten("the faults", health.Unwritten) is { } unwritten
                ? HealthCheckResult.Degraded($"{summary}; {unwritten}")
                : HealthCheckResult.Healthy(summary);
        }
        catch (Exception e) when (e is TimeoutException or OrleansException)
        {
            return HealthCheckResult.Unhealthy($"the fault registry does not answer within {HealthEndpoint.CheckDeadline.TotalSeconds:F0} s", e);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogCheckFailed(logger, e); // a defect, not a state: the health service's own lines are filtered out
            return HealthCheckResult.Unhealthy($"the health check failed: {e.GetType().Name}: {e.Message}", e);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "the fault registry's health check failed")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception);
}
