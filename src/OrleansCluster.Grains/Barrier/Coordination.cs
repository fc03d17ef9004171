using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Barrier;

/// <summary>What the site and the shard coordinators both do with their children: configure them in waves, check a step's epoch, run it on all and merge.</summary>
internal static class Coordination
{
    /// <summary>Configures <paramref name="count"/> children <paramref name="width"/> at a time, so that the calls they make in turn never pile up.</summary>
    public static async Task ConfigureInWavesAsync(int count, int width, Func<int, Task> configure)
    {
        for (var first = 0; first < count; first += width)
        {
            await Task.WhenAll(Enumerable.Range(first, Math.Min(width, count - first)).Select(configure));
        }
    }

    /// <summary>Throws unless <paramref name="coordinator"/> is configured for the step's epoch (its key is read only then).</summary>
    public static void EnsureRuns(SiteConfig? config, StepCommand command, string kind, Grain coordinator)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (config is null)
        {
            throw new InvalidOperationException($"{kind} {coordinator.GetPrimaryKeyString()} is not configured");
        }

        if (config.Epoch != command.Epoch)
        {
            throw new InvalidOperationException($"{kind} {coordinator.GetPrimaryKeyString()} runs epoch {config.Epoch}, asked for {command.Epoch}");
        }
    }

    /// <summary>Runs the step on every child at once and merges what they pass up, counting one call per child.</summary>
    public static async Task<BarrierSummary> StepAllAsync<TChild>(TChild[] children, Func<TChild, Task<BarrierSummary>> step, int topK)
    {
        var tasks = new Task<BarrierSummary>[children.Length];
        for (var i = 0; i < children.Length; i++)
        {
            tasks[i] = step(children[i]);
        }

        return Summaries.Merge(await Task.WhenAll(tasks), topK, children.Length);
    }
}
