using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Tests;

/// <summary>Drives the job grain the way an operator would, and waits for conditions with a deadline.</summary>
internal sealed class JobDriver(IClusterClient client)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public IJobGrain Job { get; } = client.GetGrain<IJobGrain>(IJobGrain.Key);

    public INodeGrain Node(string id) => client.GetGrain<INodeGrain>(id);

    /// <summary>Tells a node's block what faults do to the node, as the fault registry does.</summary>
    public Task SetNodeEffectAsync(string node, long epoch, NodeEffect effect) =>
        client.GetGrain<IBlockGrain>(ClusterLayout.BlockOf(node, ClusterFixture.BlockSize)!).SetNodeEffectsAsync(epoch, [new NodeEffectChange(node, effect)]);

    public async Task<ClusterStatus> StartAtMaxPaceAsync(string scenarioJson)
    {
        await Job.LoadAsync(ScenarioSource.FromJson(scenarioJson));
        await Job.SetPaceAsync(PaceSettings.Max);
        await Job.StartAsync();
        return await Job.GetStatusAsync();
    }

    public async Task<ClusterStatus> WaitForAsync(Func<ClusterStatus, bool> condition)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            var status = await Job.GetStatusAsync();
            if (condition(status))
            {
                return status;
            }

            if (DateTime.UtcNow > deadline)
            {
                // The failed steps still in the recent history say why the run went another way than the test's.
                var failures = (await HistoryAsync()).Where(r => !r.Ok).Select(r => $"step {r.Number}: {r.FailureReason}");
                throw new TimeoutException(
                    $"condition not met within {Deadline}; last status: step {status.Job.Step}, epoch {status.Job.Epoch}, state {status.Job.State}, " +
                    $"failed {status.Job.StepsFailed}; failed steps in the history: [{string.Join("; ", failures)}]");
            }

            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    public Task<ClusterStatus> WaitForStepAsync(long step) => WaitForAsync(s => s.Job.Step >= step);

    public async Task<IReadOnlyList<StepRecord>> HistoryAsync() => await Job.GetRecentStepsAsync(int.MaxValue);
}
