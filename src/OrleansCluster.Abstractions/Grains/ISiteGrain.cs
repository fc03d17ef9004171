using Orleans.Concurrency;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Abstractions.Grains;

/// <summary>A site's barrier coordinator: fans a step out to the site's blocks and merges their summaries.</summary>
[Alias("ISiteGrain")]
public interface ISiteGrain : IGrainWithStringKey
{
    [Alias("Configure")]
    Task ConfigureAsync(SiteConfig config);

    [Alias("RunStep")]
    Task<BarrierSummary> RunStepAsync(StepCommand command);
}
