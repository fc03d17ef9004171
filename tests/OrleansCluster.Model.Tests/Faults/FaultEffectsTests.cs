using OrleansCluster.Model.Faults;

namespace OrleansCluster.Model.Tests.Faults;

public sealed class FaultEffectsTests
{
    private static readonly Dictionary<string, double> NoParams = [];

    private static ActiveFault Fault(FaultKind kind, params (string Name, double Value)[] parameters) =>
        new(kind, parameters.ToDictionary(p => p.Name, p => p.Value));

    [Fact]
    public void NodeSlowdownsMultiplyAndThrottlesAndPowerCapsLowerTheClock()
    {
        var (slowdown, crashed, clock) = FaultEffects.ForNode(
        [
            Fault(FaultKind.NodeSlowdown, ("factor", 2)),
            Fault(FaultKind.NodeThermalThrottle, ("clockRatio", 0.8)),
        ]);
        Assert.Equal(2 / 0.8, slowdown, 12);
        Assert.Equal(0.8, clock, 12);
        Assert.False(crashed);

        // A power cap of 1/2 holds the clock at the cube root of 1/2 (dynamic power ~ clock^3).
        var capClock = Math.Pow(0.5, 1.0 / 3);
        (slowdown, _, clock) = FaultEffects.ForNode([Fault(FaultKind.NodeSlowdown, ("factor", 2)), Fault(FaultKind.SitePowerCap, ("ratio", 0.5))]);
        Assert.Equal(2 / capClock, slowdown, 12);
        Assert.Equal(capClock, clock, 12);
        Assert.Equal(1.2599210498948732, FaultEffects.PowerCapSlowdown(0.5), 12);
    }

    [Theory]
    [InlineData(0.7, 0.5, 0.7)] // the throttle holds the clock under the cap's 0.79: the throttle's clock
    [InlineData(0.9, 0.5, 0.7937005259840998)] // the cap's clock is the lower
    public void AThrottleAndAPowerCapOnOneNodeHoldTheLowerClockAndKeepTheCap(double clockRatio, double capRatio, double expectedClock)
    {
        // Before 2026-11-28 the two multiplied: 0.7 x 0.79 = 0.56, a GPU drawing far under the cap it was said to obey.
        ActiveFault[] faults = [Fault(FaultKind.NodeThermalThrottle, ("clockRatio", clockRatio)), Fault(FaultKind.SitePowerCap, ("ratio", capRatio))];

        var (slowdown, _, clock) = FaultEffects.ForNode(faults);

        Assert.Equal(expectedClock, clock, 12);
        Assert.Equal(1 / expectedClock, slowdown, 12);
        Assert.Equal(capRatio, FaultEffects.PowerLimitRatio(faults), 12);
    }

    [Fact]
    public void ThePowerLimitIsTheProductOfTheCapsInForceAndNoneWithoutOne()
    {
        Assert.Equal(1, FaultEffects.PowerLimitRatio([]));
        Assert.Equal(1, FaultEffects.PowerLimitRatio([Fault(FaultKind.NodeThermalThrottle, ("clockRatio", 0.5)), Fault(FaultKind.NodeSlowdown, ("factor", 3))]));
        Assert.Equal(0.3 * 0.5, FaultEffects.PowerLimitRatio([Fault(FaultKind.SitePowerCap, ("ratio", 0.3)), Fault(FaultKind.SitePowerCap, ("ratio", 0.5))]), 12);
        Assert.Equal(FaultEffects.MinPowerLimitRatio, FaultEffects.PowerLimitRatio([Fault(FaultKind.SitePowerCap, ("ratio", 1e-320))])); // never 0: 0 reads as none
    }

    [Fact]
    public void StackedFaultsMultiplyUpToAFiniteCapAndTheClockToAFloor()
    {
        // Found by probing: 110 stacked slowdowns of 1,000, each within its bound, multiplied to infinity, which the
        // what-if's sketch refused (500) and the node's JSON showed as "Infinity".
        var stacked = Enumerable.Repeat(Fault(FaultKind.NodeSlowdown, ("factor", 1000)), 110).ToArray();
        var (slowdown, _, clock) = FaultEffects.ForNode(stacked);
        Assert.Equal(FaultEffects.MaxSlowdown, slowdown);
        Assert.Equal(1, clock);
        Assert.Equal(1e6, FaultEffects.ForNode([.. stacked.Take(2)]).Slowdown); // two of the largest: the cap itself
        Assert.Equal(1e5, FaultEffects.ForNode([Fault(FaultKind.NodeSlowdown, ("factor", 1000)), Fault(FaultKind.NodeSlowdown, ("factor", 100))]).Slowdown);

        // Stacked throttles and power caps: the clock stops at the floor, the slowdown at the cap.
        var throttles = Enumerable.Repeat(Fault(FaultKind.NodeThermalThrottle, ("clockRatio", FaultEffects.MinClockRatio)), 300)
            .Append(Fault(FaultKind.SitePowerCap, ("ratio", 1e-320)))
            .ToArray();
        (slowdown, _, clock) = FaultEffects.ForNode(throttles);
        Assert.Equal(FaultEffects.MaxSlowdown, slowdown);
        Assert.Equal(FaultEffects.MinClockRatio, clock);
    }

    [Theory]
    [InlineData(1e-320, false)] // found by probing: accepted, and the node's slowdown was infinite
    [InlineData(0.01, false)]
    [InlineData(0.0499, false)]
    [InlineData(0.05, true)]
    [InlineData(1, true)]
    public void AThrottlesClockRatioIsAtLeastTheFloor(double clockRatio, bool allowed)
    {
        var parameter = Assert.Single(FaultKinds.Parameters(FaultKind.NodeThermalThrottle));
        Assert.Equal(allowed, parameter.Allows(clockRatio));
        Assert.Equal("[0.05, 1]", parameter.Range);
    }

    [Fact]
    public void ACrashOrAFlapInItsDownHalfTakesTheNodeDown()
    {
        Assert.True(FaultEffects.ForNode([Fault(FaultKind.NodeCrash)]).Crashed);
        Assert.True(FaultEffects.ForNode([new ActiveFault(FaultKind.NodeFlap, new Dictionary<string, double> { ["periodSeconds"] = 5 }, FlapDown: true)]).Crashed);
        Assert.False(FaultEffects.ForNode([new ActiveFault(FaultKind.NodeFlap, new Dictionary<string, double> { ["periodSeconds"] = 5 }, FlapDown: false)]).Crashed);
        Assert.Equal((1.0, false, 1.0), FaultEffects.ForNode([]));
    }

    [Fact]
    public void ACrashedNodeReportsTheXidOfTheCrashInForceThatStartedLast()
    {
        var t0 = new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);
        var plain = new ActiveFault(FaultKind.NodeCrash, NoParams, StartsAt: t0);
        var hbm = new ActiveFault(FaultKind.NodeCrash, NoParams, Xid: 48, StartsAt: t0.AddSeconds(10));
        var sram = new ActiveFault(FaultKind.NodeCrash, NoParams, Xid: 95, StartsAt: t0.AddSeconds(20));
        var flap = new ActiveFault(FaultKind.NodeFlap, new Dictionary<string, double> { ["periodSeconds"] = 5 }, FlapDown: true, Xid: 119, StartsAt: t0.AddSeconds(30));

        // No crash: no XID, whatever else slows the node.
        Assert.Equal(0, FaultEffects.CrashXid([]));
        Assert.Equal(0, FaultEffects.CrashXid([Fault(FaultKind.NodeSlowdown, ("factor", 2))]));
        // A crash that names no XID: the GPU fell off the bus.
        Assert.Equal(79, FaultEffects.CrashXid([plain]));
        Assert.Equal(48, FaultEffects.CrashXid([hbm, Fault(FaultKind.NodeThermalThrottle, ("clockRatio", 0.7))]));
        // Two crashes: the one that started last was the last XID the GPUs reported, in whatever order they come.
        Assert.Equal(95, FaultEffects.CrashXid([sram, hbm, plain]));
        Assert.Equal(48, FaultEffects.CrashXid([hbm, plain]));
        Assert.Equal(79, FaultEffects.CrashXid([hbm, plain with { StartsAt = t0.AddSeconds(15) }]));
        // A flap counts in its down half only.
        Assert.Equal(119, FaultEffects.CrashXid([hbm, flap]));
        Assert.Equal(48, FaultEffects.CrashXid([hbm, flap with { FlapDown = false }]));
        Assert.Equal(0, FaultEffects.CrashXid([flap with { FlapDown = false }]));
    }

    [Fact]
    public void LinkLatenciesAddBandwidthCapsMultiplyLossesCompoundAndAPartitionTakesItDown()
    {
        var effect = FaultEffects.ForLink(
        [
            Fault(FaultKind.LinkLatency, ("addMilliseconds", 3), ("jitterMilliseconds", 1)),
            Fault(FaultKind.LinkLatency, ("addMilliseconds", 2), ("jitterMilliseconds", 0)),
            Fault(FaultKind.LinkBandwidth, ("ratio", 0.5)),
            Fault(FaultKind.LinkBandwidth, ("ratio", 0.4)),
            Fault(FaultKind.LinkPacketLoss, ("ratio", 0.1)),
            Fault(FaultKind.LinkPacketLoss, ("ratio", 0.2)),
        ]);

        Assert.Equal(0.005, effect.ExtraLatencySeconds, 12);
        Assert.Equal(0.001, effect.ExtraJitterSeconds, 12);
        Assert.Equal(0.2, effect.BandwidthRatio, 12);
        Assert.Equal(1 - (0.9 * 0.8), effect.PacketLossRatio, 12);
        Assert.True(effect.Up);
        Assert.False(FaultEffects.ForLink([Fault(FaultKind.LinkPartition)]).Up);
    }

    [Theory]
    [InlineData("node.slowdown", FaultKind.NodeSlowdown, FaultScope.Node)]
    [InlineData("node.flap", FaultKind.NodeFlap, FaultScope.Node)]
    [InlineData("link.packet-loss", FaultKind.LinkPacketLoss, FaultScope.Link)]
    [InlineData("site.power-cap", FaultKind.SitePowerCap, FaultScope.Site)]
    public void KindsParseFromTheirApiNamesAndBack(string name, FaultKind kind, FaultScope scope)
    {
        Assert.True(FaultKinds.TryParse(name, out var parsed));
        Assert.Equal(kind, parsed);
        Assert.Equal(name, FaultKinds.Name(kind));
        Assert.Equal(scope, FaultKinds.Scope(kind));
        Assert.False(FaultKinds.TryParse(name.ToUpperInvariant(), out _));
    }
}
