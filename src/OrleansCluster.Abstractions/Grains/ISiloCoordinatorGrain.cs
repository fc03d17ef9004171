using Orleans.Concurrency;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Abstractions.Grains;

/// <summary>
/// One silo's barrier coordinator, keyed by the silo's address and activated on that silo: it steps every shard
/// the job laid out there, of every site, and merges their summaries site by site before they cross to the job,
/// so that a step crosses between silos once on the way down and once on the way up.
/// </summary>
[Alias("ISiloCoordinatorGrain")]
public interface ISiloCoordinatorGrain : IGrainWithStringKey
{
    /// <summary>
    /// Configures one site's shards on this silo, one shard at a time (each configures its blocks, which activate and
    /// ask their nodes for a first batch). The job calls it once per site that has shards here; another epoch drops
    /// whatever an earlier run laid out, and a site configured again in the same epoch replaces its shards.
    /// </summary>
    [Alias("Configure"), ResponseTimeout("00:05:00")]
    Task ConfigureAsync(SiloShards shards);

    /// <summary>Runs a step on every shard here; one merged summary per configured site, by ascending site index.</summary>
    [Alias("RunStep")]
    Task<SiloStepAnswer> RunStepAsync(StepCommand command);
}
