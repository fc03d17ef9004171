using OrleansCluster.Cli.Commands;

namespace OrleansCluster.Cli.Tests.Commands;

public sealed class AlertMatchingTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset At(double seconds) => T0.AddSeconds(seconds);

    [Fact]
    public void EpisodesMatchByHostWithinTheFaultAndItsGraceAndTimeToDetectIsByNearestRank()
    {
        AlertScoring.TruthFault[] faults =
        [
            new("f1", "node.crash", "faulty-gpu", ["n1"], At(0), At(100)),
            new("f2", "node.crash", "gpu-hbm3", ["n2"], At(200), At(300)),
            new("f3", "link.partition", null, ["a-b"], At(400), null),
            new("f4", "node.crash", null, ["n4"], At(500), At(510)),
        ];
        AlertScoring.Episode[] episodes =
        [
            new("Down", "n1", At(10), At(90)),    // f1 after 10 s
            new("Down", "n2", At(230), At(290)),  // f2 after 30 s
            new("Down", "a-b", At(440), At(600)), // f3 (still in force at the window's end) after 40 s
            new("Down", "n4", At(525), At(530)),  // f4 within its 20 s grace: 25 s
            new("Down", "n9", At(50), At(60)),    // no fault on n9
            new("Down", "n1", At(150), At(160)),  // n1 again after f1's end and grace
        ];

        var score = Assert.Single(AlertScoring.Score(faults, episodes, TimeSpan.FromSeconds(20), At(700)));

        Assert.Equal(("Down", 4, 2, 0, 4), (score.Rule, score.TruePositives, score.FalsePositives, score.Missed, score.Faults));
        Assert.Equal(4.0 / 6, score.Precision!.Value, 12);
        Assert.Equal(1.0, score.Recall);
        // Times to detect 10, 25, 30, 40: p50 the 2nd (25), p95 the 4th (40).
        Assert.Equal((25.0, 40.0), (score.DetectP50Seconds, score.DetectP95Seconds));
    }

    [Fact]
    public void ARuleThatNeverFiredMissesEveryFault()
    {
        var score = Assert.Single(AlertScoring.Score([new("f1", "node.crash", null, ["n1"], At(0), At(10))], [], TimeSpan.Zero, At(60), ["Quiet"]));

        Assert.Equal((0, 0, 1, (double?)null, (double?)0.0), (score.TruePositives, score.FalsePositives, score.Missed, score.Precision, score.Recall));
    }

    [Fact]
    public void SamplesMoreThanAGapApartAreSeparateEpisodes()
    {
        var episodes = AlertScoring.Episodes("R", "n1", [At(0), At(1), At(2), At(10), At(11)], TimeSpan.FromSeconds(2)).ToArray();

        Assert.Equal([(At(0), At(2)), (At(10), At(11))], episodes.Select(e => (e.Start, e.End)));
    }

    [Fact]
    public void AnEpisodeAFaultBegunBeforeTheWindowExplainsIsNeitherTrueNorFalseAndThatFaultIsNeitherDetectedNorMissed()
    {
        // The window starts at 0; e1 began 30 s before it on n1 and ended 10 s into it, e2 began before it on n5
        // and is still in force.
        AlertScoring.TruthFault[] earlier =
        [
            new("e1", "node.crash", null, ["n1"], At(-30), At(10)),
            new("e2", "node.crash", null, ["n5"], At(-5), null),
        ];
        AlertScoring.TruthFault[] faults = [new("f1", "node.crash", null, ["n2"], At(100), At(150))];
        AlertScoring.Episode[] episodes =
        [
            new("Down", "n1", At(0), At(8)),      // e1, firing at the window's start: context
            new("Down", "n1", At(15), At(20)),    // e1 within its 20 s grace: context
            new("Down", "n5", At(200), At(210)),  // e2, still in force: context
            new("Down", "n1", At(100), At(110)),  // n1 after e1's end and grace: a false positive
            new("Down", "n9", At(50), At(60)),    // no fault on n9: a false positive
            new("Down", "n2", At(105), At(140)),  // f1
        ];

        var score = Assert.Single(AlertScoring.Score(faults, episodes, TimeSpan.FromSeconds(20), At(300), earlier: earlier));

        Assert.Equal((1, 2, 3, 0, 1), (score.TruePositives, score.FalsePositives, score.EarlierFaultEpisodes, score.Missed, score.Faults));
        Assert.Equal(1.0 / 3, score.Precision!.Value, 12);
        Assert.Equal(1.0, score.Recall);
        Assert.Equal([("n9", At(50)), ("n1", At(100))], score.FalsePositiveEpisodes!.Select(e => (e.Host, e.Start)));
        Assert.Empty(score.MissedFaults!);
    }

    [Fact]
    public void AFaultBegunBeforeTheWindowIsNotMissedAndTheWindowsMissedFaultsAreListed()
    {
        AlertScoring.TruthFault[] earlier = [new("e1", "node.crash", null, ["n1"], At(-30), At(10))];
        AlertScoring.TruthFault[] faults =
        [
            new("f2", "link.partition", null, ["a-b"], At(40), null),
            new("f1", "node.slowdown", "gpu-degradation", ["n2"], At(20), At(30)),
        ];

        var score = Assert.Single(AlertScoring.Score(faults, [], TimeSpan.Zero, At(60), ["Quiet"], earlier));

        Assert.Equal((2, 2), (score.Missed, score.Faults));
        Assert.Equal(["f1", "f2"], score.MissedFaults!.Select(f => f.Id));
    }

    [Fact]
    public void ListsStopAtTheirBoundAndTheReportTablesSayHowManyMore()
    {
        var faults = Enumerable.Range(0, AlertScoring.Listed + 7).Select(i => new AlertScoring.TruthFault($"f{i:000}", "node.crash", null, [$"n{i}"], At(i), At(i + 1))).ToArray();
        var episodes = Enumerable.Range(0, AlertScoring.Listed + 3).Select(i => new AlertScoring.Episode("Down", $"x{i}", At(i), At(i + 1), new Dictionary<string, string> { ["node"] = $"x{i}", ["severity"] = "page" })).ToArray();

        var score = Assert.Single(AlertScoring.Score(faults, episodes, TimeSpan.Zero, At(500)));
        var report = new AlertScoring.Report(At(0), At(500), faults.Length, episodes.Length, [score]);
        var tables = report.Tables();

        Assert.Equal((AlertScoring.Listed + 3, AlertScoring.Listed), (score.FalsePositives, score.FalsePositiveEpisodes!.Count));
        Assert.Equal((AlertScoring.Listed + 7, AlertScoring.Listed), (score.Missed, score.MissedFaults!.Count));
        Assert.Equal(3, tables.Count);
        Assert.Equal(["Down", "x0", "node=x0, severity=page", "2026-11-26 08:00:00.000", "2026-11-26 08:00:01.000"], tables[1].Rows[0]);
        Assert.Equal("... and 3 more (53 in all)", tables[1].Rows[^1][1]);
        Assert.Equal(["Down", "f000", "node.crash", "n0", "2026-11-26 08:00:00.000"], tables[2].Rows[0]);
        Assert.Equal("... and 7 more (57 in all)", tables[2].Rows[^1][1]);
    }

    [Fact]
    public void WhereFaultsOverlapOnAHostAnEpisodeDetectsOnlyTheOneThatBeganLastBeforeIt()
    {
        // A black-box probe's case: a throttle on n1 from 0, a crash of n1 from 100 (its XID firing at 103), and a
        // site power cap over n1 and n2 from 50. The XID episode is the crash's: the throttle and the power cap are
        // not detected by it. Once the crash has ended (and its grace), an episode on n1 is the throttle's again.
        AlertScoring.TruthFault[] faults =
        [
            new("throttle", "node.thermal-throttle", null, ["n1"], At(0), At(400)),
            new("cap", "site.power-cap", null, ["n1", "n2"], At(50), At(400)),
            new("crash", "node.crash", "network-switch-cable", ["n1"], At(100), At(150)),
        ];

        var xid = Assert.Single(AlertScoring.Score(faults, [new("Xid", "n1", At(103), At(140))], TimeSpan.FromSeconds(20), At(500)));

        Assert.Equal((1, 0, 0, 2), (xid.TruePositives, xid.FalsePositives, xid.EarlierFaultEpisodes, xid.Missed));
        Assert.Equal((3.0, 3.0), (xid.DetectP50Seconds, xid.DetectP95Seconds));
        Assert.Equal(["throttle", "cap"], xid.MissedFaults!.Select(f => f.Id));

        var hot = Assert.Single(AlertScoring.Score(faults, [new("Hot", "n1", At(103), At(140)), new("Hot", "n1", At(300), At(380))], TimeSpan.FromSeconds(20), At(500)));

        Assert.Equal((2, 0), (hot.TruePositives, hot.FalsePositives));
        // The power cap (the last begun on n1 once the crash and its grace are over) at 250 s, the crash at 3 s.
        Assert.Equal(["throttle"], hot.MissedFaults!.Select(f => f.Id));
        Assert.Equal((3.0, 250.0), (hot.DetectP50Seconds, hot.DetectP95Seconds));
    }

    [Fact]
    public void AnEpisodeAFaultOfTheWindowExplainsIsItsEvenWhereAnEarlierFaultOnItsHostIsStillInForce()
    {
        AlertScoring.TruthFault[] earlier = [new("e1", "node.thermal-throttle", null, ["n1"], At(-100), null)];
        AlertScoring.TruthFault[] faults = [new("f1", "node.crash", null, ["n1"], At(20), At(30))];
        AlertScoring.Episode[] episodes = [new("Xid", "n1", At(22), At(28)), new("Xid", "n1", At(100), At(110))];

        var score = Assert.Single(AlertScoring.Score(faults, episodes, TimeSpan.FromSeconds(10), At(200), earlier: earlier));

        // The first the crash's (2 s), the second, after the crash and its grace, the throttle's: context.
        Assert.Equal((1, 0, 1, 0), (score.TruePositives, score.FalsePositives, score.EarlierFaultEpisodes, score.Missed));
        Assert.Equal(2.0, score.DetectP50Seconds);
    }

    [Fact]
    public void EqualEpisodesOfTwoSeriesAreEachCounted()
    {
        // One rule per GPU: two series on n1 fire over the same samples.
        AlertScoring.Episode[] episodes = [new("Xid", "n1", At(5), At(9)), new("Xid", "n1", At(5), At(9)), new("Xid", "n7", At(5), At(9))];

        var score = Assert.Single(AlertScoring.Score([new("f1", "node.crash", null, ["n1"], At(0), At(10))], episodes, TimeSpan.Zero, At(60)));

        Assert.Equal((2, 1), (score.TruePositives, score.FalsePositives));
    }
}
