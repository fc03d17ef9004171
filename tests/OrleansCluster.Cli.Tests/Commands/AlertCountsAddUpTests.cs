using System.Text;
using OrleansCluster.Cli.Commands;

namespace OrleansCluster.Cli.Tests.Commands;

/// <summary>
/// The alerts table counts two things, faults and firings, each against its own total (found by a newcomer: "12 true
/// positives" beside "missed 50 of 61" added up to 62 faults, and recall 0.18 was 11 / 61).
/// </summary>
public sealed class AlertCountsAddUpTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 29, 8, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset At(double seconds) => T0.AddSeconds(seconds);

    // Three faults: f1's alert stops and starts again (two firings, one fault), f2's fires once, f3 is missed; one firing
    // on a host no fault touched.
    private static AlertScoring.RuleScore Score()
    {
        AlertScoring.TruthFault[] faults =
        [
            new("f1", "node.slowdown", null, ["n1"], At(0), At(200)),
            new("f2", "node.slowdown", null, ["n2"], At(0), At(200)),
            new("f3", "node.slowdown", null, ["n3"], At(0), At(200)),
        ];
        AlertScoring.Episode[] episodes =
        [
            new("Slow", "n1", At(10), At(50)),
            new("Slow", "n1", At(80), At(150)),
            new("Slow", "n2", At(20), At(190)),
            new("Slow", "n9", At(30), At(40)),
        ];
        return Assert.Single(AlertScoring.Score(faults, episodes, TimeSpan.FromSeconds(30), At(300)));
    }

    [Fact]
    public void FaultsDetectedAndMissedAddUpToTheFaultsAndRecallIsDetectedOverThem()
    {
        var score = Score();

        Assert.Equal((2, 1, 3), (score.Detected, score.Missed, score.Faults));
        Assert.Equal(score.Faults, score.Detected + score.Missed);
        Assert.Equal(2.0 / 3, score.Recall!.Value, 12);
    }

    [Fact]
    public void FiringsAreCountedApartFromFaultsAndPrecisionIsTrueOverTrueAndFalse()
    {
        var score = Score();

        // f1's two firings are two true positives and one fault detected.
        Assert.Equal((3, 1), (score.TruePositives, score.FalsePositives));
        Assert.Equal(3.0 / 4, score.Precision!.Value, 12);
    }

    [Fact]
    public void TheTableShowsEachCountBesideItsOwnTotalAndSaysWhatEachCounts()
    {
        var report = new AlertScoring.Report(At(0), At(300), 3, 4, [Score()]);
        var markdown = new StringBuilder();
        report.Tables()[0].WriteMarkdown(markdown);
        var text = markdown.ToString();

        Assert.Contains("| rule | faults detected / missed of N | recall (detected / N) | firings true / false | precision (true / (true + false)) |", text, StringComparison.Ordinal);
        Assert.Contains("| Slow | 2 / 1 of 3 | 0.67 | 3 / 1 | 0.75 |", text, StringComparison.Ordinal);
        Assert.Contains("detected + missed = N, recall = detected / N", text, StringComparison.Ordinal);
        Assert.Contains("precision = true / (true + false)", text, StringComparison.Ordinal);
    }
}
