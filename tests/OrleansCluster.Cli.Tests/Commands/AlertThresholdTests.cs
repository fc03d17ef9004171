using OrleansCluster.Cli.Commands;
using Fault = OrleansCluster.Cli.Tests.FakeAlertSources.Fault;
using Series = OrleansCluster.Cli.Tests.FakeAlertSources.Series;

namespace OrleansCluster.Cli.Tests.Commands;

/// <summary>
/// Where the unobservable threshold comes from when Prometheus does not say (found by review: a target without a
/// scrape interval and a group without one read 0 s, so nothing was excused and nothing said, and a backend without
/// <c>/api/v1/targets</c> failed the command): Prometheus' defaults, 1 m, assumed and said. Each rule by its own
/// group's evaluation interval (found by review: the longest of all groups excused faults for every rule). A fault
/// begun too recently to judge is pending, not missed (found by review: one begun 0.3 s before scoring was missed).
/// </summary>
public sealed class AlertThresholdTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 11, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DateTimeOffset At(double seconds) => Now.AddSeconds(seconds);

    // In a 300 s window: "long" on n1 for 20 s, "minute" on n2 for 90 s, "three" on n3 for 3 s; Down fires for "long".
    private static readonly Fault[] Faults =
    [
        new("long", "n1", At(-200), At(-180), "expired"),
        new("minute", "n2", At(-290), At(-200), "expired"),
        new("three", "n3", At(-150), At(-147), "expired"),
    ];

    private static readonly Series[] Firing = [new("Down", "n1", [.. Enumerable.Range(0, 5).Select(i => At(-198 + i))])];

    private static async Task<AlertScoring.Report> ScoreAsync(FakeAlertSources sources)
    {
        using var client = new HttpClient { BaseAddress = new Uri(sources.Url) };
        return await AlertsCommand.RunAsync(client, client, AlertsCommand.Options.From(300, 10, 1, null), Now, Ct);
    }

    [Fact]
    public async Task ATargetWithoutAScrapeIntervalIsTakenAtPrometheusDefaultAndTheReportSaysSo()
    {
        await using var sources = await FakeAlertSources.StartAsync(Faults, Firing, scrapeSeconds: null, evaluationSeconds: 1);

        var report = await ScoreAsync(sources);

        Assert.Equal((60.0, 1.0, 60.0), (report.ScrapeIntervalSeconds, report.EvaluationIntervalSeconds, report.UnobservableUnderSeconds));
        Assert.Equal(["long", "three"], report.UnobservableFaults!.Select(f => f.Id));
        Assert.Equal((1, 1), (report.Faults, Assert.Single(report.Rules).Missed));
        Assert.Contains("Prometheus named no scrape interval for 1 of the 1 target(s) taken (the simulator's scrape interval), so its default scrape_interval, 1 m, was assumed", report.IntervalWarning, StringComparison.Ordinal);
        Assert.Contains("one at least assumed", report.UnobservableWarning, StringComparison.Ordinal);
        Assert.Contains(" Assumed: Prometheus named no scrape interval", report.Summary(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARuleGroupWithoutAnIntervalIsTakenAtPrometheusDefaultAndTheReportSaysSo()
    {
        await using var sources = await FakeAlertSources.StartAsync(Faults, Firing, scrapeSeconds: 1, evaluationSeconds: null);

        var report = await ScoreAsync(sources);

        Assert.Equal((1.0, 60.0, 60.0), (report.ScrapeIntervalSeconds, report.EvaluationIntervalSeconds, report.UnobservableUnderSeconds));
        Assert.Equal(["long", "three"], report.UnobservableFaults!.Select(f => f.Id));
        Assert.Contains("Prometheus named no evaluation interval for the group(s) of 1 rule(s) (scored), so its default evaluation_interval, 1 m, was assumed", report.IntervalWarning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABackendWithoutTheTargetsEndpointIsScoredAtTheDefaultScrapeIntervalWithOneWarningLine()
    {
        var now = DateTimeOffset.UtcNow;
        Fault[] faults = [new("long", "n1", now.AddSeconds(-200), now.AddSeconds(-100), "expired")];
        await using var sources = await FakeAlertSources.StartAsync(faults, [new("Down", "n1", [now.AddSeconds(-190)])], targetsMissing: true);
        using var client = new HttpClient { BaseAddress = new Uri(sources.Url) };

        var report = await AlertsCommand.RunAsync(client, client, AlertsCommand.Options.From(300, 10, 1, null), now, Ct);

        Assert.Equal((60.0, 1, 1), (report.ScrapeIntervalSeconds, report.Faults, Assert.Single(report.Rules).TruePositives));
        Assert.StartsWith("Prometheus' /api/v1/targets could not be read (", report.IntervalWarning, StringComparison.Ordinal);
        Assert.Contains("404", report.IntervalWarning, StringComparison.Ordinal);
        Assert.EndsWith("so its default scrape_interval, 1 m, was assumed for the simulator", report.IntervalWarning, StringComparison.Ordinal);

        var (exit, output, error) = await CliProcess.RunAsync("alerts", "--url", sources.Url, "--key", "k", "--prometheus", sources.Url, "--seconds", "300", "--grace", "10", "--step", "1", "--output", "json");

        Assert.True(exit == 0, $"exit {exit}: {output}{error}");
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("warning:", StringComparison.Ordinal));
        Assert.StartsWith("warning: Prometheus' /api/v1/targets could not be read", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EachRuleIsJudgedByItsOwnGroupsEvaluationInterval()
    {
        // Down's group every 1 s, Slow's every 60 s: the 3 s and 20 s faults are seen by Down and excused for Slow only.
        await using var sources = await FakeAlertSources.StartAsync(Faults, Firing, groups: new Dictionary<string, double> { ["Slow"] = 60 });

        var report = await ScoreAsync(sources);

        var down = report.Rules.Single(r => r.Rule == "Down");
        var slow = report.Rules.Single(r => r.Rule == "Slow");
        Assert.Equal((3, 2, 0, 1.0, 1.0), (down.Faults, down.Missed, down.ExcusedFaults, down.UnobservableUnderSeconds, down.EvaluationIntervalSeconds));
        Assert.Equal((1, 1, 2, 60.0, 60.0), (slow.Faults, slow.Missed, slow.ExcusedFaults, slow.UnobservableUnderSeconds, slow.EvaluationIntervalSeconds));
        Assert.Equal((60.0, 2), (report.UnobservableUnderSeconds, report.Unobservable));
        Assert.Contains("the longest of the scored rules' evaluation intervals, 60 s", report.UnobservableWarning, StringComparison.Ordinal);
        Assert.Contains("| Down | 1 / 2 of 3 | 0.33 | 1 / 0 | 1.00 |", Markdown(report), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFaultBegunUnderTheThresholdAndGraceBeforeScoringIsPendingNotMissed()
    {
        // Scrape 2 s, grace 10 s: "fresh" began 0.3 s before scoring and is in force, "ended" lasted 4 s and began 8 s
        // before; neither can have been seen and alerted on yet. "open" began 30 s before and is in force: missed.
        Fault[] faults =
        [
            new("long", "n1", At(-200), At(-180), "expired"),
            new("fresh", "n2", At(-0.3), null, "active"),
            new("ended", "n3", At(-8), At(-4), "expired"),
            new("open", "n4", At(-30), null, "active"),
        ];
        await using var sources = await FakeAlertSources.StartAsync(faults, [.. Firing, new("Down", "n3", [At(-5)])], scrapeSeconds: 2);

        var report = await ScoreAsync(sources);

        var down = Assert.Single(report.Rules);
        Assert.Equal((2, 2, 0), (report.Faults, report.Pending, report.Unobservable));
        Assert.Equal((2, 1, 2, 1, 0), (down.Faults, down.Missed, down.PendingFaults, down.PendingFaultEpisodes, down.FalsePositives));
        Assert.Equal("open", Assert.Single(down.MissedFaults!).Id);
        Assert.Contains(" 2 fault(s) of the window pending, begun too recently", report.Summary(), StringComparison.Ordinal);
        Assert.True(AlertScoring.IsPending(new("fresh", "node.crash", null, ["n2"], At(-0.3), null), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10), Now));
        Assert.False(AlertScoring.IsPending(new("open", "node.crash", null, ["n4"], At(-12), null), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10), Now));
    }

    private static string Markdown(AlertScoring.Report report)
    {
        var table = report.Tables()[0];
        return string.Join('\n', table.Rows.Select(r => $"| {string.Join(" | ", r)} |"));
    }
}
