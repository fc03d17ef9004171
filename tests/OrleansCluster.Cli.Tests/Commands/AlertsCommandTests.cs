using System.Text.Json;
using OrleansCluster.Cli.Commands;
using Fault = OrleansCluster.Cli.Tests.FakeAlertSources.Fault;
using Series = OrleansCluster.Cli.Tests.FakeAlertSources.Series;

namespace OrleansCluster.Cli.Tests.Commands;

/// <summary>
/// <c>orleanscluster alerts</c> against stand-ins for the silo and Prometheus (<see cref="FakeAlertSources"/>): a window
/// older than the registry's bounded history of ended faults is cut to where the ground truth is complete (or refused
/// when nothing is left), arguments out of range or that do not parse are refused with exit 2, and a query Prometheus
/// refuses is one line naming Prometheus and its error; a fault begun before the window explains its episodes without
/// being scored, and the reports list the false-positive episodes and the missed faults.
/// </summary>
public sealed class AlertsCommandTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 10, 20, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // `count` ended faults, one a node, starting every `every` seconds from `first`, each 10 s long; and one in force
    // since 50 s before `first`, which the registry keeps whatever its history dropped.
    private static List<Fault> Faults(int count, DateTimeOffset first, double every = 0.25) =>
    [
        .. Enumerable.Range(0, count).Select(i => new Fault($"f{i:0000}", $"n{i}", first.AddSeconds(i * every), first.AddSeconds((i * every) + 10), "expired")),
        new Fault("live", "n-live", first.AddSeconds(-50), null, "active"),
    ];

    // Down fires on n100 (f0100, which starts 275 s before Now) and on the fault in force before the cut.
    private static readonly Series[] Firing =
    [
        new("Down", "n100", [.. Enumerable.Range(0, 5).Select(i => Now.AddSeconds(-274 + i))]),
        new("Down", "n-live", [.. Enumerable.Range(0, 5).Select(i => Now.AddSeconds(-340 + i))]),
    ];

    [Fact]
    public async Task AWindowOlderThanTheRegistrysHistoryIsCutToWhereTheGroundTruthIsComplete()
    {
        // The registry holds its last 1,000 ended faults, the earliest ending 290 s before Now: older ones of the
        // 400 s window may have been dropped, so only the last 290 s can be scored.
        await using var sources = await FakeAlertSources.StartAsync(Faults(AlertsCommand.EndedKept, Now.AddSeconds(-300)), Firing);
        using var client = new HttpClient { BaseAddress = new Uri(sources.Url) };

        var report = await AlertsCommand.RunAsync(client, client, AlertsCommand.Options.From(400, 30, 1, null), Now, Ct);

        var cut = Now.AddSeconds(-290);
        Assert.Equal((cut, Now.AddSeconds(-400)), (report.From, report.AskedFrom));
        // f0040 on start at or after the cut; not the fault in force since before it.
        Assert.Equal(AlertsCommand.EndedKept - 40, report.Faults);
        Assert.Equal([cut.ToUnixTimeMilliseconds() / 1000.0], sources.RangeStarts);
        var down = Assert.Single(report.Rules);
        Assert.Equal((1, 0, 1.0), (down.TruePositives, down.FalsePositives, down.Precision));
        Assert.Contains("last 1,000 ended faults", report.Warning, StringComparison.Ordinal);
        Assert.Contains("scored from 2026-11-26 10:15:10Z only, 110 s of the 400 s asked dropped", report.Warning, StringComparison.Ordinal);
        Assert.Contains("Window cut", report.Summary(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AHistoryUnderItsCapIsTheWholeGroundTruthAndTheWindowIsScoredWhole()
    {
        await using var sources = await FakeAlertSources.StartAsync(Faults(AlertsCommand.EndedKept - 1, Now.AddSeconds(-300)), Firing);
        using var client = new HttpClient { BaseAddress = new Uri(sources.Url) };

        var report = await AlertsCommand.RunAsync(client, client, AlertsCommand.Options.From(400, 30, 1, null), Now, Ct);

        Assert.Equal((Now.AddSeconds(-400), (DateTimeOffset?)null, (string?)null), (report.From, report.AskedFrom, report.Warning));
        Assert.Equal(AlertsCommand.EndedKept, report.Faults); // 999 ended and the one in force
        Assert.Equal((2, 0), (Assert.Single(report.Rules).TruePositives, report.Rules[0].FalsePositives));
    }

    [Fact]
    public async Task TheCommandWarnsOnOneLineOfTheCutAndExitsZero()
    {
        var now = DateTimeOffset.UtcNow;
        await using var sources = await FakeAlertSources.StartAsync(Faults(AlertsCommand.EndedKept, now.AddSeconds(-300)), []);

        var (exit, output, error) = await CliProcess.RunAsync("alerts", "--url", sources.Url, "--key", "k", "--prometheus", sources.Url, "--seconds", "400", "--output", "json");

        Assert.True(exit == 0, $"exit {exit}: {output}{error}");
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("warning: the fault registry keeps only the last 1,000 ended faults", line, StringComparison.Ordinal);
        Assert.Contains("s of the 400 s asked dropped", line, StringComparison.Ordinal);
        using var report = JsonDocument.Parse(output);
        var from = report.RootElement.GetProperty("from").GetDateTimeOffset();
        Assert.Equal(now.AddSeconds(-290).ToUnixTimeMilliseconds(), from.ToUnixTimeMilliseconds());
        Assert.True(report.RootElement.GetProperty("askedFrom").GetDateTimeOffset() < from);
    }

    [Fact]
    public async Task AWindowWithNothingLeftAfterTheCutIsRefusedWithExitTwo()
    {
        // Every one of the 1,000 ended faults the registry kept ended in the last 2 s: it may have dropped any older
        // one, and less than one --step of the window is left.
        var now = DateTimeOffset.UtcNow;
        await using var sources = await FakeAlertSources.StartAsync(Faults(AlertsCommand.EndedKept, now.AddSeconds(-12), every: 0.001), []);

        var (exit, output, error) = await CliProcess.RunAsync("alerts", "--url", sources.Url, "--key", "k", "--prometheus", sources.Url, "--seconds", "600", "--step", "60");

        Assert.True(exit == 2, $"exit {exit}: {output}{error}");
        Assert.StartsWith("error: nothing of the window to score: the fault registry keeps only the last 1,000 ended faults", Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
        Assert.Equal(string.Empty, output);
    }

    [Theory]
    [InlineData("--seconds 0", "--seconds must be at least 1 (got 0)")]
    [InlineData("--seconds -5", "--seconds must be at least 1 (got -5)")]
    [InlineData("--step 0", "--step must be at least 1 (got 0)")]
    [InlineData("--grace -100", "--grace must be at least 0 (got -100)")]
    [InlineData("--step 0.001", "Cannot parse argument '0.001' for option '--step'")]
    [InlineData("--seconds 1e12", "Cannot parse argument '1e12' for option '--seconds'")]
    [InlineData("--host-label|", "--host-label: '' is not a Prometheus label name")]
    [InlineData("--host-label|node|host name", "--host-label: 'host name' is not a Prometheus label name")]
    [InlineData("--host-label|9node", "--host-label: '9node' is not a Prometheus label name")]
    public async Task ArgumentsOutOfRangeOrThatDoNotParseExitTwoWithTheReason(string arguments, string reason)
    {
        await using var sources = await FakeAlertSources.StartAsync([], []);

        // Split on '|' where an argument is empty or holds a space.
        var (exit, output, error) = await CliProcess.RunAsync(["alerts", "--url", sources.Url, "--key", "k", "--prometheus", sources.Url, .. arguments.Split(arguments.Contains('|', StringComparison.Ordinal) ? '|' : ' ')]);

        Assert.True(exit == 2, $"exit {exit}: {output}{error}");
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.Empty(sources.RangeStarts);
    }

    [Fact]
    public async Task AQueryPrometheusRefusesIsOneLineNamingPrometheusAndItsErrorWithExitTwo()
    {
        const string Refusal = "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)";
        await using var sources = await FakeAlertSources.StartAsync([], [], Refusal);

        var (exit, output, error) = await CliProcess.RunAsync("alerts", "--url", sources.Url, "--key", "k", "--prometheus", sources.Url, "--seconds", "86400000");

        Assert.True(exit == 2, $"exit {exit}: {output}{error}");
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"error: Prometheus at {sources.Url}/ refused the query (400 Bad Request): {Refusal}", line);
        Assert.Equal(string.Empty, output);
    }

    // A 100 s window from Now: "before" began on n1 30 s before it and ended 20 s into it, "unseen" on n6 before it
    // and ended 10 s into it; "inside" (n2) and "caught" (n4) began in it. Down fires on n1 from the window's start, on n4 for "caught" and on n3, which no
    // fault touched.
    private static readonly Fault[] AroundTheStart =
    [
        new("before", "n1", Now.AddSeconds(-130), Now.AddSeconds(-80), "expired"),
        new("caught", "n4", Now.AddSeconds(-70), Now.AddSeconds(-40), "expired"),
        new("inside", "n2", Now.AddSeconds(-60), Now.AddSeconds(-50), "expired"),
        new("unseen", "n6", Now.AddSeconds(-120), Now.AddSeconds(-90), "expired"),
    ];

    private static Series[] FiringAround(DateTimeOffset now) =>
    [
        new("Down", "n1", [.. Enumerable.Range(0, 40).Select(i => now.AddSeconds(-125 + i))]),
        new("Down", "n4", [.. Enumerable.Range(0, 5).Select(i => now.AddSeconds(-65 + i))]),
        new("Down", "n3", [.. Enumerable.Range(0, 5).Select(i => now.AddSeconds(-30 + i))]),
    ];

    private static Fault[] Around(DateTimeOffset now) => [.. AroundTheStart.Select(f => f with { StartsAt = now + (f.StartsAt - Now), EndsAt = now + (f.EndsAt - Now) })];

    [Fact]
    public async Task AnAlertForAFaultBegunBeforeTheWindowIsNotAFalsePositiveAndThatFaultIsNotMissed()
    {
        await using var sources = await FakeAlertSources.StartAsync(AroundTheStart, FiringAround(Now));
        using var client = new HttpClient { BaseAddress = new Uri(sources.Url) };

        var report = await AlertsCommand.RunAsync(client, client, AlertsCommand.Options.From(100, 10, 1, null), Now, Ct);

        Assert.Equal((2, 2), (report.Faults, report.EarlierFaults));
        var down = Assert.Single(report.Rules);
        Assert.Equal((1, 1, 1, 1, 2), (down.TruePositives, down.FalsePositives, down.EarlierFaultEpisodes, down.Missed, down.Faults));
        Assert.Equal(0.5, down.Precision);
        var falsePositive = Assert.Single(down.FalsePositiveEpisodes!);
        Assert.Equal(("n3", Now.AddSeconds(-30)), (falsePositive.Host, falsePositive.Start));
        Assert.Equal("n3", falsePositive.Labels!["node"]);
        var missed = Assert.Single(down.MissedFaults!);
        Assert.Equal(("inside", "node.crash", "n2", Now.AddSeconds(-60)), (missed.Id, missed.Kind, Assert.Single(missed.Hosts), missed.Start));
        Assert.Contains("2 fault(s) that began before the window", report.Summary(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAlertStillFiringForAFaultThatEndedJustBeforeTheWindowIsNotAFalsePositive()
    {
        // Found by a black-box check: the faults were read from the window's start, which leaves out one that ended
        // before it, and its alert, still firing at the start (within the grace), scored as a false positive.
        Fault[] faults = [new("ended", "n7", Now.AddSeconds(-110), Now.AddSeconds(-105), "expired")];
        Series[] firing = [new("Down", "n7", [.. Enumerable.Range(0, 14).Select(i => Now.AddSeconds(-108 + i))])];
        await using var sources = await FakeAlertSources.StartAsync(faults, firing);
        using var client = new HttpClient { BaseAddress = new Uri(sources.Url) };

        var report = await AlertsCommand.RunAsync(client, client, AlertsCommand.Options.From(100, 10, 1, null), Now, Ct);

        var down = Assert.Single(report.Rules);
        Assert.Equal((0, 0, 1), (down.TruePositives, down.FalsePositives, down.EarlierFaultEpisodes));
        Assert.Equal((0, 1), (report.Faults, report.EarlierFaults));
    }

    [Fact]
    public async Task TheJsonAndMarkdownReportsListTheFalsePositivesAndTheMissedFaults()
    {
        var now = DateTimeOffset.UtcNow;
        await using var sources = await FakeAlertSources.StartAsync(Around(now), FiringAround(now));
        var folder = Directory.CreateTempSubdirectory("alerts-report").FullName;
        try
        {
            var (exit, output, error) = await CliProcess.RunAsync("alerts", "--url", sources.Url, "--key", "k", "--prometheus", sources.Url, "--seconds", "100", "--grace", "10", "--step", "1", "--output", "json", "--report", folder);

            Assert.True(exit == 0, $"exit {exit}: {output}{error}");
            using var json = JsonDocument.Parse(output);
            var rule = Assert.Single(json.RootElement.GetProperty("rules").EnumerateArray().ToArray());
            Assert.Equal((1, 1), (rule.GetProperty("falsePositives").GetInt32(), rule.GetProperty("earlierFaultEpisodes").GetInt32()));
            var falsePositive = Assert.Single(rule.GetProperty("falsePositiveEpisodes").EnumerateArray().ToArray());
            Assert.Equal(("Down", "n3"), (falsePositive.GetProperty("rule").GetString(), falsePositive.GetProperty("host").GetString()));
            var missed = Assert.Single(rule.GetProperty("missedFaults").EnumerateArray().ToArray());
            Assert.Equal(("inside", "node.crash"), (missed.GetProperty("id").GetString(), missed.GetProperty("kind").GetString()));
            Assert.Equal(2, json.RootElement.GetProperty("earlierFaults").GetInt32());
            var markdown = await File.ReadAllTextAsync(Path.Combine(folder, "alerts.md"), Ct);
            Assert.Contains("## False-positive episodes (the first 50 of each rule)", markdown, StringComparison.Ordinal);
            Assert.Contains("| Down | n3 | node=n3 | ", markdown, StringComparison.Ordinal);
            Assert.Contains("## Missed faults (the first 50 of each rule)", markdown, StringComparison.Ordinal);
            Assert.Contains("| Down | inside | node.crash | n2 | ", markdown, StringComparison.Ordinal);
            Assert.DoesNotContain("| unseen |", markdown, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
