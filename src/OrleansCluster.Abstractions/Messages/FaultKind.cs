using System.Reflection;
using System.Text.Json.Serialization;

namespace OrleansCluster.Abstractions.Messages;

// A value in the records that carry a fault, from the moment a request is checked. The model's FaultKind holds the
// same kinds in the same order with their parameters, scopes and effects; the grains map between the two at one seam
// (FaultIntake.Kind), and a test pins them together. A request names its kind as text (FaultRequest.Kind), so that a
// kind the model does not know is a problem naming `kind`, not a body that fails to read.

/// <summary>A fault's kind, written as its API name (<c>node.slowdown</c>, <c>link.partition</c>, ...).</summary>
[GenerateSerializer, Alias("FaultKind")]
[JsonConverter(typeof(JsonStringEnumConverter<FaultKind>))]
public enum FaultKind
{
    [JsonStringEnumMemberName("node.slowdown")]
    NodeSlowdown = 0,

    [JsonStringEnumMemberName("node.thermal-throttle")]
    NodeThermalThrottle = 1,

    [JsonStringEnumMemberName("node.crash")]
    NodeCrash = 2,

    [JsonStringEnumMemberName("node.flap")]
    NodeFlap = 3,

    [JsonStringEnumMemberName("link.latency")]
    LinkLatency = 4,

    [JsonStringEnumMemberName("link.bandwidth")]
    LinkBandwidth = 5,

    [JsonStringEnumMemberName("link.packet-loss")]
    LinkPacketLoss = 6,

    [JsonStringEnumMemberName("link.partition")]
    LinkPartition = 7,

    [JsonStringEnumMemberName("site.power-cap")]
    SitePowerCap = 8,
}

/// <summary>The API names of the fault kinds, as their JSON spells them.</summary>
public static class FaultKindNames
{
    private static readonly Dictionary<FaultKind, string> Names = Enum.GetValues<FaultKind>().ToDictionary(
        k => k,
        k => typeof(FaultKind).GetField(k.ToString())!.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()!.Name);

    extension(FaultKind kind)
    {
        /// <summary>The kind's API name (e.g. <c>link.latency</c>).</summary>
        public string ApiName => Names[kind];
    }
}
