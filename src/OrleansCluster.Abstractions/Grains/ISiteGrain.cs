using Orleans.Concurrency;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Abstractions.Grains;

/// <summary>A site's barrier coordinator: fans a step out to the site's blocks and merges their summaries.</summary>
[Alias("ISiteGrain")]
public interface ISiteGrain : IGrainWithStringKey
{
    /// <summary>
    /// Configures the site's blocks, a few at a time (each activates and asks its nodes for their first batch):
    /// a site of 100,000 nodes spread over two silos takes longer than the default 30 s response timeout.
    /// </summary>
    [Alias("Configure"), ResponseTimeout("00:05:00")]
    Task ConfigureAsync(SiteConfig config);

    [Alias("RunStep")]
    Task<BarrierSummary> RunStepAsync(StepCommand command);
}
