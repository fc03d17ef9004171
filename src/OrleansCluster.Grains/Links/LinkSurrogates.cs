using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Links;

/// <summary>
/// The one seam where the model's link types cross between grains: Orleans surrogates for <see cref="LinkState"/>
/// (a link's figures at a step) and <see cref="LinkEffect"/> (what the faults in force do to it), so that the link
/// grain, the job and the registry pass the model's records themselves instead of copies of them.
/// </summary>
public static class LinkSurrogates
{
    /// <summary>A <see cref="LinkState"/> on the wire.</summary>
    [GenerateSerializer, Immutable, Alias("LinkState")]
    public readonly record struct State(
        [property: Id(0)] string LinkId,
        [property: Id(1)] bool Up,
        [property: Id(2)] double LatencySeconds,
        [property: Id(3)] double BandwidthBytesPerSecond,
        [property: Id(4)] double PacketLossRatio,
        [property: Id(5)] double NominalLatencySeconds,
        [property: Id(6)] double NominalBandwidthBytesPerSecond);

    /// <summary>A <see cref="LinkEffect"/> on the wire.</summary>
    [GenerateSerializer, Immutable, Alias("LinkEffect")]
    public readonly record struct Effect(
        [property: Id(0)] double ExtraLatencySeconds,
        [property: Id(1)] double ExtraJitterSeconds,
        [property: Id(2)] double BandwidthRatio,
        [property: Id(3)] double PacketLossRatio,
        [property: Id(4)] bool Up);

    /// <summary>Converts <see cref="LinkState"/> to and from its surrogate.</summary>
    [RegisterConverter]
    public sealed class StateConverter : IConverter<LinkState, State>
    {
        public LinkState ConvertFromSurrogate(in State s) =>
            new(s.LinkId, s.Up, s.LatencySeconds, s.BandwidthBytesPerSecond, s.PacketLossRatio, s.NominalLatencySeconds, s.NominalBandwidthBytesPerSecond);

        public State ConvertToSurrogate(in LinkState v) =>
            new(v.LinkId, v.Up, v.LatencySeconds, v.BandwidthBytesPerSecond, v.PacketLossRatio, v.NominalLatencySeconds, v.NominalBandwidthBytesPerSecond);
    }

    /// <summary>Converts <see cref="LinkEffect"/> to and from its surrogate.</summary>
    [RegisterConverter]
    public sealed class EffectConverter : IConverter<LinkEffect, Effect>
    {
        public LinkEffect ConvertFromSurrogate(in Effect s) => new(s.ExtraLatencySeconds, s.ExtraJitterSeconds, s.BandwidthRatio, s.PacketLossRatio, s.Up);

        public Effect ConvertToSurrogate(in LinkEffect v) => new(v.ExtraLatencySeconds, v.ExtraJitterSeconds, v.BandwidthRatio, v.PacketLossRatio, v.Up);
    }
}
