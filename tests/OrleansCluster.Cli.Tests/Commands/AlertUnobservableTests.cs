using System.Text.Json;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Cli.Commands;
using Fault = OrleansCluster.Cli.Tests.FakeAlertSources.Fault;
using Series = OrleansCluster.Cli.Tests.FakeAlertSources.Series;

namespace OrleansCluster.Cli.Tests.Commands;

/// <summary>
/// Faults too short in wall time for Prometheus to see (found by an expert probe: at max pace every background fault
/// lasted under 1 s, and every rule was blamed for ~1,000 misses) are not scored: neither detected nor missed, counted and
/// listed apart as unobservable, with the job's pace, the speed they ran at and one warning line; an episode they alone
/// explain is no false positive, and one a seen fault also explains is that fault's. Too short is under the longer of
/// the simulator's scrape interval and the rules' evaluation interval, as Prometheus says them, whatever --step is.
/// </summary>
public sealed class AlertUnobservableTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 11, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DateTimeOffset At(double seconds) => Now.AddSeconds(seconds);

    // In a 100 s window: "long" on n1 for 20 s, which Down detects; ten 5 ms "blip"s on n10-n19, as at max pace; a 0.5 s
    // "brief" one on n1 inside "long"; and "open", begun 30 s before the end and still in force (not judged: it has
    // not ended), which Down misses.
    private static Fault[] Faults(DateTimeOffset now) =>
    [
        new("long", "n1", now.AddSeconds(-60), now.AddSeconds(-40), "expired"),
        new("brief", "n1", now.AddSeconds(-58), now.AddSeconds(-57.5), "expired"),
        .. Enumerable.Range(0, 10).Select(i => new Fault($"blip{i}", $"n{10 + i}", now.AddSeconds(-50 + i), now.AddSeconds(-50 + i + 0.005), "expired")),
        new("open", "n30", now.AddSeconds(-30), null, "active"),
    ];

    // Down fires on n1 while "long" and "brief" are both in force, and on n12 just after blip2 (a counter's rule may).
    private static Series[] Firing(DateTimeOffset now) =>
    [
        new("Down", "n1", [.. Enumerable.Range(0, 5).Select(i => now.AddSeconds(-57 + i))]),
        new("Down", "n12", [.. Enumerable.Range(0, 3).Select(i => now.AddSeconds(-47 + i))]),
    ];

    [Fact]
    public void AFaultThatEndedUnderTheShortestSeenIsUnobservableAndOneInForceIsNot()
    {
        AlertScoring.TruthFault Lasting(double? seconds) => new("f", "node.crash", null, ["n1"], At(0), seconds is { } s ? At(s) : null);

        Assert.True(AlertScoring.IsUnobservable(Lasting(0.999), TimeSpan.FromSeconds(1), At(5)));
        Assert.True(AlertScoring.IsUnobservable(Lasting(0.5), TimeSpan.FromSeconds(1), At(0.5)));
        Assert.False(AlertScoring.IsUnobservable(Lasting(1), TimeSpan.FromSeconds(1), At(5)));
        Assert.False(AlertScoring.IsUnobservable(Lasting(null), TimeSpan.FromSeconds(1), At(5)));
        // Due to end 0.5 s after it began, but in force when scored, 0.2 s after: not excused.
        Assert.False(AlertScoring.IsUnobservable(Lasting(0.5), TimeSpan.FromSeconds(1), At(0.2)));
    }

    [Fact]
    public void AnUnobservableFaultIsNeitherDetectedNorMissedAndAnEpisodeOnlyItExplainsIsNotAFalsePositive()
    {
        AlertScoring.TruthFault seen = new("seen", "node.crash", null, ["n1"], At(0), At(30));
        AlertScoring.TruthFault blipOnSeen = new("blip-on-seen", "node.crash", null, ["n1"], At(2), At(2.01));
        AlertScoring.TruthFault blip = new("blip", "node.crash", null, ["n2"], At(5), At(5.01));
        AlertScoring.Episode[] episodes =
        [
            new("Down", "n1", At(3), At(8)),  // both explain it; began after "seen", but "seen" is the one that could be seen
            new("Down", "n2", At(6), At(7)),  // only "blip" explains it
        ];

        var score = Assert.Single(AlertScoring.Score([seen], episodes, TimeSpan.FromSeconds(10), At(100), unobservable: [blipOnSeen, blip]));

        Assert.Equal((1, 0, 0, 1, 1, 2), (score.TruePositives, score.FalsePositives, score.Missed, score.Faults, score.UnobservableFaultEpisodes, score.ExcusedFaults));
        Assert.Equal((1.0, 1.0, 3.0), (score.Precision, score.Recall, score.DetectP50Seconds));
    }

    [Fact]
    public async Task FaultsShorterThanAScrapeAreReportedAsUnobservableNotMissedWithTheJobsPace()
    {
        await using var sources = await FakeAlertSources.StartAsync(Faults(Now), Firing(Now), pace: PaceSettings.Max);
        using var client = new HttpClient { BaseAddress = new Uri(sources.Url) };

        var report = await AlertsCommand.RunAsync(client, client, AlertsCommand.Options.From(100, 10, 1, null), Now, Ct);

        Assert.Equal((2, 11, 1.0, "max"), (report.Faults, report.Unobservable, report.UnobservableUnderSeconds, report.Pace));
        Assert.Equal(["brief", .. Enumerable.Range(0, 10).Select(i => $"blip{i}")], report.UnobservableFaults!.Select(f => f.Id));
        var down = Assert.Single(report.Rules);
        Assert.Equal((1, 0, 1, 2, 0.5, 1, 11), (down.TruePositives, down.FalsePositives, down.Missed, down.Faults, down.Recall, down.UnobservableFaultEpisodes, down.ExcusedFaults));
        Assert.Equal("open", Assert.Single(down.MissedFaults!).Id);
        Assert.StartsWith("11 of the window's 13 faults lasted under 1 s of wall time (the longer of the simulator's scrape interval, 1 s, and the rules' evaluation interval, 1 s)", report.UnobservableWarning, StringComparison.Ordinal);
        Assert.Contains("the job's pace is max now): score at realtime pace with a speed at which faults last several scrape intervals", report.UnobservableWarning, StringComparison.Ordinal);
        Assert.Contains("11 fault(s) of the window unobservable, lasting under 1 s of wall time (job pace max when scored)", report.Summary(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheShortestSeenIsTheSimulatorsScrapeIntervalWhateverTheStep()
    {
        // Found by review: the shortest seen was the longer of --step and the evaluation interval, so a --step longer
        // than the scrape excused faults a scrape had seen, and a scrape longer than the step was not heard of.
        Fault[] faults = [new("long", "n1", At(-60), At(-40), "expired"), new("three", "n2", At(-30), At(-27), "expired")];

        await using (var slowScrape = await FakeAlertSources.StartAsync(faults, Firing(Now), scrapeSeconds: 5))
        {
            using var client = new HttpClient { BaseAddress = new Uri(slowScrape.Url) };
            var report = await AlertsCommand.RunAsync(client, client, AlertsCommand.Options.From(100, 10, 1, null), Now, Ct);

            Assert.Equal((1, 1, 5.0, 5.0), (report.Faults, report.Unobservable, report.UnobservableUnderSeconds, report.ScrapeIntervalSeconds));
            Assert.Equal("three", Assert.Single(report.UnobservableFaults!).Id);
        }

        await using var fastScrape = await FakeAlertSources.StartAsync(faults, Firing(Now), scrapeSeconds: 1);
        using var fast = new HttpClient { BaseAddress = new Uri(fastScrape.Url) };
        var coarse = await AlertsCommand.RunAsync(fast, fast, AlertsCommand.Options.From(100, 10, 10, null), Now, Ct);

        Assert.Equal((2, 0, 1.0), (coarse.Faults, coarse.Unobservable, coarse.ScrapeIntervalSeconds));
    }

    [Fact]
    public async Task AFaultStillInForceWhenScoredIsScoredThoughItIsDueToEndWithinTheShortestSeen()
    {
        // Injected 15 s before scoring (past the 2 s scrape and 10 s grace) for 15.5 s (durationSeconds: its end is known
        // while it is in force).
        Fault[] faults = [new("long", "n1", At(-60), At(-40), "expired"), new("due", "n2", At(-15), At(0.5), "active")];
        await using var sources = await FakeAlertSources.StartAsync(faults, Firing(Now), scrapeSeconds: 2);
        using var client = new HttpClient { BaseAddress = new Uri(sources.Url) };

        var report = await AlertsCommand.RunAsync(client, client, AlertsCommand.Options.From(100, 10, 1, null), Now, Ct);

        Assert.Equal((2, 0), (report.Faults, report.Unobservable));
        Assert.Equal("due", Assert.Single(Assert.Single(report.Rules).MissedFaults!).Id);
    }

    [Fact]
    public async Task TheSpeedTheUnobservableFaultsRanAtComesFromTheirRecordsNotThePaceWhenScored()
    {
        // Found by review: the pace was read when scoring; the faults ran at max pace, then the job was set to speed 20.
        Fault[] faults =
        [
            new("long", "n1", At(-60), At(-40), "expired"),
            .. Enumerable.Range(0, 3).Select(i => new Fault($"bg{i}", $"n{10 + i}", At(-50 + i), At(-50 + i + 0.005), "expired", SimulatedRepairSeconds: 300 * (i + 1))),
        ];
        await using var sources = await FakeAlertSources.StartAsync(faults, Firing(Now), pace: PaceSettings.Realtime(20));
        using var client = new HttpClient { BaseAddress = new Uri(sources.Url) };

        var report = await AlertsCommand.RunAsync(client, client, AlertsCommand.Options.From(100, 10, 1, null), Now, Ct);

        Assert.Equal((3, "realtime at speed 20"), (report.Unobservable, report.Pace));
        Assert.InRange(report.UnobservableSpeed!.Value, 119_000, 121_000);
        Assert.Contains("(the job's pace is realtime at speed 20 now; they ran at about 120,000x simulated over wall time, by their records)", report.UnobservableWarning, StringComparison.Ordinal);
        Assert.Contains("(job pace realtime at speed 20 when scored; they ran at about 120,000x simulated over wall time, by their records)", report.Summary(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheRulesEvaluationIntervalWhenLongerThanTheScrapeSetsTheShortestFaultScored()
    {
        // Evaluated every 5 s: the 20 s fault can be seen, a 3 s one on n2 cannot.
        Fault[] faults = [new("long", "n1", At(-60), At(-40), "expired"), new("three", "n2", At(-30), At(-27), "expired")];
        await using var sources = await FakeAlertSources.StartAsync(faults, Firing(Now), pace: PaceSettings.Realtime(500), evaluationSeconds: 5);
        using var client = new HttpClient { BaseAddress = new Uri(sources.Url) };

        var report = await AlertsCommand.RunAsync(client, client, AlertsCommand.Options.From(100, 10, 1, null), Now, Ct);

        Assert.Equal((1, 1, 5.0, "realtime at speed 500", 5.0), (report.Faults, report.Unobservable, report.UnobservableUnderSeconds, report.Pace, report.EvaluationIntervalSeconds));
        Assert.Equal("three", Assert.Single(report.UnobservableFaults!).Id);
    }

    [Fact]
    public async Task FaultsLongEnoughToBeSeenLeaveTheReportAsItWas()
    {
        Fault[] faults = [new("long", "n1", At(-60), At(-40), "expired")];
        await using var sources = await FakeAlertSources.StartAsync(faults, Firing(Now), pace: PaceSettings.Max);
        using var client = new HttpClient { BaseAddress = new Uri(sources.Url) };

        var report = await AlertsCommand.RunAsync(client, client, AlertsCommand.Options.From(100, 10, 1, null), Now, Ct);

        Assert.Equal((1, 0, (double?)null, (string?)null, (string?)null), (report.Faults, report.Unobservable, report.UnobservableUnderSeconds, report.UnobservableWarning, report.Pace));
        Assert.DoesNotContain("unobservable", report.Summary(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheCommandWarnsOnOneLineAndTheJsonAndMarkdownCarryTheUnobservableFaults()
    {
        var now = DateTimeOffset.UtcNow;
        await using var sources = await FakeAlertSources.StartAsync(Faults(now), Firing(now), pace: PaceSettings.Max);
        var folder = Directory.CreateTempSubdirectory("alerts-unobservable").FullName;
        try
        {
            var (exit, output, error) = await CliProcess.RunAsync("alerts", "--url", sources.Url, "--key", "k", "--prometheus", sources.Url, "--seconds", "100", "--grace", "10", "--step", "1", "--output", "json", "--report", folder);

            Assert.True(exit == 0, $"exit {exit}: {output}{error}");
            var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("warning:", StringComparison.Ordinal));
            Assert.StartsWith("warning: 11 of the window's 13 faults lasted under 1 s of wall time", line, StringComparison.Ordinal);
            Assert.Contains("""PUT /api/job/pace {"mode":"realtime","speed":20}""", line, StringComparison.Ordinal);
            using var json = JsonDocument.Parse(output);
            var root = json.RootElement;
            Assert.Equal((2, 11, 1.0, "max"), (root.GetProperty("faults").GetInt32(), root.GetProperty("unobservable").GetInt32(), root.GetProperty("unobservableUnderSeconds").GetDouble(), root.GetProperty("pace").GetString()));
            Assert.Equal(11, root.GetProperty("unobservableFaults").GetArrayLength());
            var rule = Assert.Single(root.GetProperty("rules").EnumerateArray().ToArray());
            Assert.Equal((1, 1, 11), (rule.GetProperty("missed").GetInt32(), rule.GetProperty("unobservableFaultEpisodes").GetInt32(), rule.GetProperty("excusedFaults").GetInt32()));
            Assert.Equal((1.0, 1.0), (root.GetProperty("scrapeIntervalSeconds").GetDouble(), root.GetProperty("evaluationIntervalSeconds").GetDouble()));
            var markdown = await File.ReadAllTextAsync(Path.Combine(folder, "alerts.md"), Ct);
            // Beside precision and recall: the episodes excused from precision and the faults left out of recall.
            Assert.Contains("| firings for earlier faults | firings excused (unobservable) | faults excused (unobservable) |", markdown, StringComparison.Ordinal);
            Assert.Contains("| Down | 1 / 1 of 2 | 0.50 | 1 / 0 | 1.00 |", markdown, StringComparison.Ordinal);
            Assert.Contains("| 0 | 1 | 11 |", markdown, StringComparison.Ordinal);
            Assert.Contains("## Unobservable faults: under 1 s of wall time, not scored (the first 50)", markdown, StringComparison.Ordinal);
            Assert.Contains("| blip2 | node.crash | n12 | ", markdown, StringComparison.Ordinal);
            Assert.Contains("| 0.005 |", markdown, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
