using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Faults;
using OrleansCluster.Grains.Job;
using OrleansCluster.Model.Faults;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Links;

/// <summary>
/// The links as the faults in force make them now, as a node's state is (the registry's effects): found by probing,
/// the links read the job's last step, so a partition on a paused or stopped job (or between slow realtime steps) read
/// <c>up: true</c> beside its own active fault, and <c>gpusim_link_up</c> stayed 1. The effect is the registry's own
/// sum (<see cref="PushedEffects"/>: the faults' schedules at now, <see cref="FaultEffects.ForLink"/>), so it is the
/// effect the registry pushes to the link grain; the figures are the model's at the job's last step under it, so a
/// link no fault changed since that step reads what the step read (its jitter draw included).
/// </summary>
public static class LinksNow
{
    /// <summary>
    /// Each link of <paramref name="scenario"/> under the faults in force at <paramref name="now"/>, at the job's
    /// step <paramref name="step"/> (0: no step yet, no jitter). One registry call whatever the number of links (found by
    /// review: one per link, 9,730 calls a second for a 9,730-link mesh under a live page's poll).
    /// </summary>
    public static async Task<LinkStatus[]> StatusAsync(IGrainFactory grains, Scenario scenario, long step, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(scenario);
        var faults = await grains.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key).LinkFaultsAsync();
        return Status(scenario, step, scenario.Links
            .Select(l => Effect(l.Id, faults.GetValueOrDefault(l.Id) ?? [], now)).ToArray());
    }

    /// <summary>What <paramref name="faults"/> (pending or in force) do to <paramref name="link"/> at <paramref name="now"/>.</summary>
    public static LinkEffect Effect(string link, IEnumerable<Fault> faults, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(faults);
        var book = new FaultBook();
        foreach (var fault in faults)
        {
            book.Add(fault);
        }

        return FaultEffects.ForLink(book.ActingOnLink(link, now));
    }

    /// <summary>Each link of <paramref name="scenario"/> under <paramref name="effects"/> (one per link) at step <paramref name="step"/>.</summary>
    public static LinkStatus[] Status(Scenario scenario, long step, IReadOnlyList<LinkEffect> effects)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(effects);
        var states = scenario.Links.Select((link, j) => step > 0
                ? LinkModel.At(link, effects[j], scenario.Seed, SeededNoise.StreamKey(link.Id), step, scenario.Noise.LinkJitterSeconds)
                : LinkModel.At(link, effects[j] with { ExtraJitterSeconds = 0 }, scenario.Seed, SeededNoise.StreamKey(link.Id), step, baseJitterSeconds: 0))
            .ToArray();
        return JobFigures.Links(scenario, states); // the one seam from the model's figures to the API's
    }
}
