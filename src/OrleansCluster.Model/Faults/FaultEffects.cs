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
/// it, so the clock a capped GPU holds falls with the cube root of its power); a thermal throttle and a power cap
/// on one node hold the lower of their two clocks (each is a ceiling the GPU's clock management obeys, not a further
/// factor), and the cap still bounds board power (<see cref="PowerLimitRatio"/>); link latencies add, bandwidth
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
    /// The least share of TDP the power caps in force together hold a GPU to: what the clock floor draws
    /// (<see cref="MinClockRatio"/> cubed). Positive, so that a node effect's power limit of 0 (one written by a silo
    /// that predates the field) means no limit.
    /// </summary>
    public const double MinPowerLimitRatio = MinClockRatio * MinClockRatio * MinClockRatio;

    /// <summary>
    /// The node's slowdown factor (in [1, <see cref="MaxSlowdown"/>]), whether it is down, and the ratio its clocks
    /// are held at (in [<see cref="MinClockRatio"/>, 1]: thermal throttling and power caps lower the clocks; a plain
    /// slowdown does not). Stacked throttles multiply, stacked caps multiply their ratios, and a throttle and a cap
    /// together hold the lower of the two clocks (before 2026-11-28 they multiplied: a throttle to 0.8 under a cap of
    /// 0.5, whose clock is 0.79, ran at 0.63 and drew a quarter of what the cap allowed). Slowdowns are capped and the
    /// clock floored, so no fault set makes either figure infinite or 0.
    /// </summary>
    public static (double Slowdown, bool Crashed, double ClockRatio) ForNode(IEnumerable<ActiveFault> faults)
    {
        ArgumentNullException.ThrowIfNull(faults);
        var slowdown = 1.0;
        double throttleClock = 1.0, throttleSlowdown = 1.0, capClock = 1.0, capSlowdown = 1.0;
        var crashed = false;
        foreach (var fault in faults)
        {
            switch (fault.Kind)
            {
                case FaultKind.NodeSlowdown:
                    slowdown *= fault.Params["factor"];
                    break;
                case FaultKind.NodeThermalThrottle:
                    throttleClock *= fault.Params["clockRatio"];
                    throttleSlowdown /= fault.Params["clockRatio"];
                    break;
                case FaultKind.SitePowerCap:
                    capClock /= PowerCapSlowdown(fault.Params["ratio"]);
                    capSlowdown *= PowerCapSlowdown(fault.Params["ratio"]);
                    break;
                case FaultKind.NodeCrash:
                    crashed = true;
                    break;
                case FaultKind.NodeFlap:
                    crashed |= fault.FlapDown;
                    break;
            }
        }

        var (clock, slowed) = throttleClock <= capClock ? (throttleClock, throttleSlowdown) : (capClock, capSlowdown);
        return (Math.Min(slowdown * slowed, MaxSlowdown), crashed, Math.Max(clock, MinClockRatio));
    }

    /// <summary>
    /// The share of its TDP the node's GPUs may draw (<c>NodeEffect.PowerLimitRatio</c>, dcgm mode): the product of
    /// the ratios of the <c>site.power-cap</c> faults in force on it, 1 when none is (a thermal throttle lowers the
    /// clock, not the power limit); never under <see cref="MinPowerLimitRatio"/>, so that it is never 0.
    /// </summary>
    public static double PowerLimitRatio(IEnumerable<ActiveFault> faults)
    {
        ArgumentNullException.ThrowIfNull(faults);
        var ratio = 1.0;
        foreach (var fault in faults)
        {
            if (fault.Kind == FaultKind.SitePowerCap)
            {
                ratio *= fault.Params["ratio"];
            }
        }

        return Math.Max(ratio, MinPowerLimitRatio);
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

    /// <summary>The clock ratio a power cap of <paramref name="ratio"/> of TDP holds: <c>ratio^(1/3)</c> (0 for a cap of 0).</summary>
    public static double PowerCapClock(double ratio) => 1 / PowerCapSlowdown(ratio);
}
