using Microsoft.Extensions.Diagnostics.HealthChecks;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Silo.Simulation;

/// <summary>
/// Healthy when the job grain answers and, while it runs, keeps progressing: a job that has gone longer than its stall
/// bound without progress (a wedged failover, a fault that fails every step, a step that fails again after each
/// rollback; see <c>JobRun.Progress</c>) is unhealthy, with the reason.
/// The description says what the job is doing.
/// </summary>
internal sealed partial class JobHealthCheck(IGrainFactory grains, ILogger<JobHealthCheck> logger) : IHealthCheck
{
    /// <summary>The description while no scenario is loaded (<c>Simulation:StartOnLaunch=false</c>, before a <c>PUT /api/scenario</c>).</summary>
    public const string NoScenario = "no scenario loaded: idle";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var status = await grains.GetGrain<IJobGrain>(IJobGrain.Key).GetStatusAsync().AsTask().WaitAsync(HealthEndpoint.CheckDeadline, cancellationToken);
            var job = status.Job;
            var summary = job.State == JobState.Idle ? NoScenario : $"{status.Scenario}: {job.State}, step {job.Step}"; // an idle job has no name or step to show
            if (job.Progress is { Stalled: true } progress)
            {
                // A job waiting for the fault registry to take its layout has no failed step to name: the wait is the reason.
                var reason = job.RegistryOff is { } off ? $"; {off.Reason}" : progress.LastFailure is { } failure ? $"; last failure: {failure}" : string.Empty;
                return HealthCheckResult.Unhealthy(
                    $"{summary}: no progress for {progress.SecondsSinceStep:F0} s (stall bound {progress.StallBoundSeconds:F0} s){reason}");
            }

            // Found by probing: a silo said healthy through a storage outage of any length, while a silo lost
            // meanwhile took every step since the last write with it. The silo still serves (200), so it stays in rotation.
            // A running job waiting for the fault registry to take its layout (job.registryOff) is Degraded too, until the
            // wait outlasts the stall bound (above); a paused one takes no step either way.
            var degraded = new List<string>(2);
            if (job.State == JobState.Running && job.RegistryOff is { } registryOff)
            {
                degraded.Add($"for {registryOff.Seconds:F0} s {registryOff.Reason}");
            }

            if (HealthEndpoint.Unwritten("the job's record", job.Unwritten) is { } unwritten)
            {
                degraded.Add(unwritten);
            }

            return degraded.Count > 0
                ? HealthCheckResult.Degraded($"{summary}; {string.Join("; ", degraded)}")
                : HealthCheckResult.Healthy(summary);
        }
        catch (Exception e) when (e is TimeoutException or OrleansException)
        {
            return HealthCheckResult.Unhealthy("the job grain does not answer", e);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A defect, not a state of the job: logged here, since the health service's own lines are filtered out
            // (SimulationExtensions) to keep an open endpoint from writing one per unhealthy answer.
            LogCheckFailed(logger, e);
            return HealthCheckResult.Unhealthy($"the health check failed: {e.GetType().Name}: {e.Message}", e);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "the job's health check failed")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception);
}
