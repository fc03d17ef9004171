using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Cli.Reports;

namespace OrleansCluster.Cli.Commands;

/// <summary><c>status</c>: the job read straight from its grain through an Orleans client, and the silo hosting it.</summary>
public static class GrainStatus
{
    public sealed record Report(string Scenario, string State, long Step, long StepsOk, long StepsFailed, long LostSteps, long GrainCalls, string? Host, double? LastStepSeconds, int Faults) : ICommandReport
    {
        public bool Held() => true;

        public string Summary() =>
            $"{Scenario}: {State}, step {ReportWriter.N(Step)} ({ReportWriter.N(StepsOk)} ok, {ReportWriter.N(StepsFailed)} failed, {ReportWriter.N(LostSteps)} lost), {ReportWriter.N(GrainCalls)} grain calls, {Faults} fault(s) in force; job on {Host ?? "-"}";

        public IReadOnlyList<ReportTable> Tables() =>
        [
            new ReportTable(
                "The job, from its grain",
                ["scenario", "state", "step", "ok", "failed", "lost", "grain calls", "last T_step s", "faults", "host"],
                [[Scenario, State, ReportWriter.N(Step), ReportWriter.N(StepsOk), ReportWriter.N(StepsFailed), ReportWriter.N(LostSteps), ReportWriter.N(GrainCalls), LastStepSeconds is { } t ? ReportWriter.F(t, 3) : "-", ReportWriter.N(Faults), Host ?? "-"]]),
        ];
    }

    public static async Task<Report> RunAsync(IClusterClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var status = await client.GetGrain<IJobGrain>(IJobGrain.Key).GetStatusAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        var faults = await client.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key).ListAsync(includeEnded: false);
        var job = status.Job;
        return new Report(status.Scenario, job.State.ToString().ToLowerInvariant(), job.Step, job.StepsOk, job.StepsFailed, job.LostSteps, job.GrainCalls, job.Host, status.LastStep?.DurationSeconds, faults.Count);
    }
}
