using Orleans.Concurrency;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Abstractions.Grains;

/// <summary>One inter-site link: its nominal figures, its faults, and its latency and bandwidth each step.</summary>
[Alias("ILinkGrain")]
public interface ILinkGrain : IGrainWithStringKey
{
    [Alias("Configure")]
    Task ConfigureAsync(LinkConfig config);

    [Alias("GetFigures")]
    Task<LinkFigures> GetFiguresAsync(long stepNumber);

    /// <summary>Sets what the active faults do to the link in run <paramref name="epoch"/>.</summary>
    [Alias("SetEffect")]
    Task SetEffectAsync(long epoch, LinkFaultEffect effect);
}
