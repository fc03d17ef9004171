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
}
