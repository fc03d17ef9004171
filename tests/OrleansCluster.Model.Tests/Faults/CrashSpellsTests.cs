using OrleansCluster.Model.Faults;

namespace OrleansCluster.Model.Tests.Faults;

/// <summary>
/// The crashed spells a fault has begun by a moment (<see cref="FaultSchedule.CrashSpellsBy"/>): each is one error its
/// GPU reported, and for XID 48 one HBM row spared for good.
/// </summary>
public sealed class CrashSpellsTests
{
    private static readonly Dictionary<string, double> None = [];
    private static readonly Dictionary<string, double> Flap = new() { ["periodSeconds"] = 10 };
    private static readonly DateTimeOffset Start = new(2026, 11, 29, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ACrashCountsOneSpellFromItsStartOnAndForGoodAfterItsEnd()
    {
        var crash = FaultSchedule.For(FaultKind.NodeCrash, None, Start, Start.AddSeconds(30));

        Assert.Equal(0, crash.CrashSpellsBy(Start.AddTicks(-1))); // pending
        Assert.Equal(1, crash.CrashSpellsBy(Start));
        Assert.Equal(1, crash.CrashSpellsBy(Start.AddSeconds(29)));
        Assert.Equal(1, crash.CrashSpellsBy(Start.AddDays(1))); // ended: its spell stays begun
        Assert.Equal(1, FaultSchedule.For(FaultKind.NodeCrash, None, Start, endsAt: null).CrashSpellsBy(Start.AddDays(1)));
    }

    [Fact]
    public void ACrashThatEndedBeforeItStartedNeverTookItsNodeDown()
    {
        // Cleared while pending (its end set to the clear, before its start), or repaired within the step it arrived in
        // (its end its start): never in force, no spell.
        Assert.Equal(0, FaultSchedule.For(FaultKind.NodeCrash, None, Start, Start.AddSeconds(-5)).CrashSpellsBy(Start.AddSeconds(10)));
        Assert.Equal(0, FaultSchedule.For(FaultKind.NodeCrash, None, Start, Start).CrashSpellsBy(Start.AddSeconds(10)));
    }

    [Fact]
    public void AFlapCountsTheCrashedHalvesItBeganAndNoneThatWouldBeginAtItsEnd()
    {
        // Crashed [0, 10), up [10, 20), crashed [20, 30), up [30, 40), crashed [40, 50)...
        var flap = FaultSchedule.For(FaultKind.NodeFlap, Flap, Start, Start.AddSeconds(40));

        Assert.Equal(0, flap.CrashSpellsBy(Start.AddSeconds(-1)));
        Assert.Equal(1, flap.CrashSpellsBy(Start));
        Assert.Equal(1, flap.CrashSpellsBy(Start.AddSeconds(19.9)));
        Assert.Equal(2, flap.CrashSpellsBy(Start.AddSeconds(20)));
        Assert.Equal(2, flap.CrashSpellsBy(Start.AddSeconds(39.9)));
        Assert.Equal(2, flap.CrashSpellsBy(Start.AddSeconds(40))); // the spell that would begin at 40 never did
        Assert.Equal(2, flap.CrashSpellsBy(Start.AddHours(1)));
        Assert.Equal(3, FaultSchedule.For(FaultKind.NodeFlap, Flap, Start, Start.AddSeconds(40.5)).CrashSpellsBy(Start.AddHours(1)));
    }

    [Theory]
    [InlineData(FaultKind.NodeSlowdown)]
    [InlineData(FaultKind.NodeThermalThrottle)]
    [InlineData(FaultKind.SitePowerCap)]
    [InlineData(FaultKind.LinkPartition)]
    public void NoOtherKindTakesANodeDown(FaultKind kind)
    {
        Assert.Equal(0, FaultSchedule.For(kind, None, Start, endsAt: null).CrashSpellsBy(Start.AddHours(1)));
    }
}
