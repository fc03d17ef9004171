using OrleansCluster.Model.Simulation;
using OrleansCluster.Model.Telemetry;

namespace OrleansCluster.Model.Faults;

/// <summary>A fault that is in force now, as the effect arithmetic needs it.</summary>
/// <param name="FlapDown">For <c>node.flap</c>: whether it is in its crashed half-period now.</param>
/// <param name="Xid">For a crash, the XID its GPUs report (dcgm mode); none: 79, the GPU fell off the bus.</param>
/// <param name="StartsAt">When it started: of two crashes, the later one's XID is the last the GPUs reported.</param>
public sealed record ActiveFault(FaultKind Kind, IReadOnlyDictionary<string, double> Params, bool FlapDown = false, int? Xid = null, DateTimeOffset StartsAt = default);

/// <summary>
/// How the faults in force on a node or a link combine into one effect. Slowdowns multiply; a power cap of
/// ratio r slows compute by r^(-1/3) (dynamic power grows with the cube of the clock when voltage follows
/// it, so the clock a capped GPU holds falls with the cube root of its power); link latencies add, bandwidth
/// caps multiply, losses compound as independent drops, and any partition takes the link down.
/// </summary>
public static class FaultEffects
{
    /// <summary>
    /// The lowest clock ratio a throttle holds a GPU at, and the lowest the faults in force together report: a twentieth
    /// of the maximum clock, under the lowest clock data-centre GPUs support (an A100's lowest graphics clock is 210 of
    /// its 1,410 MHz, 0.15), and the floor the GPU telemetry already held its clocks at. Found by probing: a clockRatio
    /// of 1e-320 (within the old (0, 1]) made the node's slowdown infinite, and the what-if answered 500.
    /// </summary>
    public const double MinClockRatio = 0.05;

    /// <summary>
    /// The largest slowdown the faults in force on a node add up to: a million, two of the largest single
    /// <c>node.slowdown</c> (1,000) stacked. Found by probing: 110 stacked slowdowns of 1,000 (each within its bound)
    /// multiplied past the largest double, and an infinite compute time reached the what-if's sketch (500) and the
    /// node's JSON ("Infinity"). Capped, its time stays finite; a node this slow misses even the longest barrier
    /// timeout a scenario can set (86,400 s) once its nominal compute takes 0.09 s, and the job evicts it.
    /// </summary>
    public const double MaxSlowdown = 1e6;

    /// <summary>
    /// The node's slowdown factor (in [1, <see cref="MaxSlowdown"/>]), whether it is down, and the ratio its clocks
    /// are held at (in [<see cref="MinClockRatio"/>, 1]: thermal throttling and power caps lower the clocks; a plain
    /// slowdown does not). Stacked faults multiply up to those caps, so no fault set makes either figure infinite or 0.
    /// </summary>
    public static (double Slowdown, bool Crashed, double ClockRatio) ForNode(IEnumerable<ActiveFault> faults)
    {
        ArgumentNullException.ThrowIfNull(faults);
        var slowdown = 1.0;
        var clock = 1.0;
        var crashed = false;
        foreach (var fault in faults)
        {
            switch (fault.Kind)
            {
                case FaultKind.NodeSlowdown:
                    slowdown *= fault.Params["factor"];
                    break;
                case FaultKind.NodeThermalThrottle:
                    slowdown /= fault.Params["clockRatio"];
                    clock *= fault.Params["clockRatio"];
                    break;
                case FaultKind.SitePowerCap:
                    slowdown *= PowerCapSlowdown(fault.Params["ratio"]);
                    clock /= PowerCapSlowdown(fault.Params["ratio"]);
                    break;
                case FaultKind.NodeCrash:
                    crashed = true;
                    break;
                case FaultKind.NodeFlap:
                    crashed |= fault.FlapDown;
                    break;
            }
        }

        return (Math.Min(slowdown, MaxSlowdown), crashed, Math.Max(clock, MinClockRatio));
    }

    /// <summary>
    /// The XID a node's GPUs report (<c>DCGM_FI_DEV_XID_ERRORS</c>, "the last XID error encountered"): that of the
    /// crash in force that started last (a crash, or a flap in its down half), 79 when that crash names none; 0 while
    /// no crash is in force. When the later of two crashes is repaired, the earlier one's XID shows again: the GPUs
    /// are still down for it.
    /// </summary>
    public static int CrashXid(IEnumerable<ActiveFault> faults)
    {
        ArgumentNullException.ThrowIfNull(faults);
        ActiveFault? last = null;
        foreach (var fault in faults)
        {
            var down = fault.Kind == FaultKind.NodeCrash || (fault.Kind == FaultKind.NodeFlap && fault.FlapDown);
            if (down && (last is null || fault.StartsAt >= last.StartsAt))
            {
                last = fault;
            }
        }

        return last is null ? XidCatalog.None : last.Xid ?? XidCatalog.FallenOffTheBus;
    }

    /// <summary>The link's combined effect.</summary>
    public static LinkEffect ForLink(IEnumerable<ActiveFault> faults)
    {
        ArgumentNullException.ThrowIfNull(faults);
        double latency = 0, jitter = 0, bandwidth = 1, delivered = 1;
        var up = true;
        foreach (var fault in faults)
        {
            switch (fault.Kind)
            {
                case FaultKind.LinkLatency:
                    latency += fault.Params["addMilliseconds"] * 1e-3;
                    jitter += fault.Params["jitterMilliseconds"] * 1e-3;
                    break;
                case FaultKind.LinkBandwidth:
                    bandwidth *= fault.Params["ratio"];
                    break;
                case FaultKind.LinkPacketLoss:
                    delivered *= 1 - fault.Params["ratio"];
                    break;
                case FaultKind.LinkPartition:
                    up = false;
                    break;
            }
        }

        return new LinkEffect(latency, jitter, bandwidth, 1 - delivered, up);
    }

    /// <summary>Compute slowdown under a power cap of <paramref name="ratio"/> of TDP: <c>ratio^(-1/3)</c>.</summary>
    public static double PowerCapSlowdown(double ratio) => Math.Pow(ratio, -1.0 / 3);
}
