using OrleansCluster.Abstractions.Grains;

namespace OrleansCluster.Cli.Commands;

/// <summary><c>status</c>: the job read straight from its grain through an Orleans client, and the silo hosting it.</summary>
public static class GrainStatus
{
    public sealed record Report(string Scenario, string State, long Step, long StepsOk, long StepsFailed, long LostSteps, long GrainCalls, string? Host, double? LastStepSeconds, int Faults);

    public static async Task<Report> RunAsync(IClusterClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var status = await client.GetGrain<IJobGrain>(IJobGrain.Key).GetStatusAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        var faults = await client.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key).ListAsync(includeEnded: false);
        var job = status.Job;
        return new Report(status.Scenario, job.State.ToString().ToLowerInvariant(), job.Step, job.StepsOk, job.StepsFailed, job.LostSteps, job.GrainCalls, job.Host, status.LastStep?.DurationSeconds, faults.Count);
    }
}
