using Orleans.Concurrency;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Abstractions.Grains;

/// <summary>
/// One shard of a site's barrier coordination, keyed <c>{site}/shard-{j}</c>: a contiguous run of the site's blocks,
/// activated with them beside the silo coordinator that steps it, so that their summaries merge on their own silo.
/// </summary>
[Alias("IShardGrain")]
public interface IShardGrain : IGrainWithStringKey
{
    /// <summary>
    /// Configures the shard's blocks (its run of the site's), a few at a time. False, and nothing configured, when
    /// this activation is on another silo than the coordinator's that calls: it migrates there, and the caller calls
    /// again.
    /// </summary>
    [Alias("Configure"), ResponseTimeout("00:05:00")]
    Task<bool> ConfigureAsync(SiteConfig config);

    [Alias("RunStep")]
    Task<BarrierSummary> RunStepAsync(StepCommand command);
}
