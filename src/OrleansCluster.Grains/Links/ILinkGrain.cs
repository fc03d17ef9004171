using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Links;

/// <summary>
/// One inter-site link: its nominal figures, its faults, and its latency and bandwidth each step. Called only by the
/// job and the fault registry, inside the silo, so it lives beside its grain and speaks the model's own link types
/// (<see cref="LinkState"/>, <see cref="LinkEffect"/>), carried by the surrogates in <see cref="LinkSurrogates"/>.
/// </summary>
[Alias("ILinkGrain")]
public interface ILinkGrain : IGrainWithStringKey
{
    [Alias("Configure")]
    Task ConfigureAsync(LinkConfig config);

    /// <summary>The link's figures at step <paramref name="stepNumber"/>, as the model has them under the effect in force.</summary>
    [Alias("GetFigures")]
    Task<LinkState> GetFiguresAsync(long stepNumber);

    /// <summary>Sets what the active faults do to the link in run <paramref name="epoch"/>.</summary>
    [Alias("SetEffect")]
    Task SetEffectAsync(long epoch, LinkEffect effect);
}
