namespace OrleansCluster.Model.Faults;

/// <summary>The faults an operator can inject (DESIGN.md section 4).</summary>
public enum FaultKind
{
    /// <summary><c>node.slowdown</c> {factor}: compute takes factor times longer.</summary>
    NodeSlowdown,
    /// <summary><c>node.thermal-throttle</c> {clockRatio}: clocks held at clockRatio of nominal.</summary>
    NodeThermalThrottle,
    /// <summary><c>node.crash</c>: the node never reaches the barrier.</summary>
    NodeCrash,
    /// <summary><c>node.flap</c> {periodSeconds}: crashed and recovered in alternate periods, crashed first.</summary>
    NodeFlap,
    /// <summary><c>link.latency</c> {addMilliseconds, jitterMilliseconds}: added latency and jitter.</summary>
    LinkLatency,
    /// <summary><c>link.bandwidth</c> {ratio}: bandwidth capped at ratio of nominal.</summary>
    LinkBandwidth,
    /// <summary><c>link.packet-loss</c> {ratio}: packets lost, cutting goodput.</summary>
    LinkPacketLoss,
    /// <summary><c>link.partition</c>: the link is down.</summary>
    LinkPartition,
    /// <summary><c>site.power-cap</c> {ratio}: every node of the site held at ratio of its power.</summary>
    SitePowerCap,
}

/// <summary>What a fault kind acts on.</summary>
public enum FaultScope
{
    /// <summary>Nodes: one by id, every node of a site, or a selector.</summary>
    Node,

    /// <summary>One inter-site link.</summary>
    Link,

    /// <summary>Every node of one site.</summary>
    Site,
}

/// <summary>One numeric parameter of a fault kind and its allowed range.</summary>
/// <param name="Name">The JSON name under <c>params</c>.</param>
/// <param name="Required">Whether it must be given.</param>
/// <param name="Default">Its value when not given.</param>
/// <param name="Min">Lower bound.</param>
/// <param name="MinInclusive">Whether <paramref name="Min"/> itself is allowed.</param>
/// <param name="Max">Upper bound.</param>
/// <param name="MaxInclusive">Whether <paramref name="Max"/> itself is allowed.</param>
public sealed record FaultParameter(string Name, bool Required, double Default, double Min, bool MinInclusive, double Max, bool MaxInclusive)
{
    /// <summary>Whether <paramref name="value"/> lies in the range.</summary>
    public bool Allows(double value) =>
        double.IsFinite(value)
        && (MinInclusive ? value >= Min : value > Min)
        && (MaxInclusive ? value <= Max : value < Max);

    /// <summary>The range in interval notation, for error messages.</summary>
    public string Range => $"{(MinInclusive ? '[' : '(')}{Min}, {Max}{(MaxInclusive ? ']' : ')')}";
}

/// <summary>The catalogue of fault kinds: names as the API spells them, scope and parameters.</summary>
public static class FaultKinds
{
    private static readonly Dictionary<string, (FaultKind Kind, FaultScope Scope, FaultParameter[] Parameters)> Catalogue = new(StringComparer.Ordinal)
    {
        ["node.slowdown"] = (FaultKind.NodeSlowdown, FaultScope.Node, [new("factor", true, 1, 1, true, 1000, true)]),
        ["node.thermal-throttle"] = (FaultKind.NodeThermalThrottle, FaultScope.Node, [new("clockRatio", true, 1, FaultEffects.MinClockRatio, true, 1, true)]),
        ["node.crash"] = (FaultKind.NodeCrash, FaultScope.Node, []),
        ["node.flap"] = (FaultKind.NodeFlap, FaultScope.Node, [new("periodSeconds", true, 60, 0.1, true, 86_400, true)]),
        ["link.latency"] = (FaultKind.LinkLatency, FaultScope.Link, [new("addMilliseconds", true, 0, 0, true, 60_000, true), new("jitterMilliseconds", false, 0, 0, true, 60_000, true)]),
        ["link.bandwidth"] = (FaultKind.LinkBandwidth, FaultScope.Link, [new("ratio", true, 1, 0, false, 1, true)]),
        ["link.packet-loss"] = (FaultKind.LinkPacketLoss, FaultScope.Link, [new("ratio", true, 0, 0, true, 1, false)]),
        ["link.partition"] = (FaultKind.LinkPartition, FaultScope.Link, []),
        ["site.power-cap"] = (FaultKind.SitePowerCap, FaultScope.Site, [new("ratio", true, 1, 0, false, 1, true)]),
    };

    /// <summary>Every kind's API name, in the design's order.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Catalogue.Keys];

    /// <summary>The kind called <paramref name="name"/> (e.g. <c>link.latency</c>).</summary>
    public static bool TryParse(string? name, out FaultKind kind)
    {
        if (name is not null && Catalogue.TryGetValue(name, out var entry))
        {
            kind = entry.Kind;
            return true;
        }

        kind = default;
        return false;
    }

    /// <summary>The API name of <paramref name="kind"/>.</summary>
    public static string Name(FaultKind kind) => Catalogue.First(e => e.Value.Kind == kind).Key;

    /// <summary>What <paramref name="kind"/> acts on.</summary>
    public static FaultScope Scope(FaultKind kind) => Catalogue[Name(kind)].Scope;

    /// <summary>The parameters <paramref name="kind"/> takes.</summary>
    public static IReadOnlyList<FaultParameter> Parameters(FaultKind kind) => Catalogue[Name(kind)].Parameters;
}
