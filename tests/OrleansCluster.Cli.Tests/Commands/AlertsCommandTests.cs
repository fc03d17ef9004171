using System.Text.Json;
using OrleansCluster.Cli.Commands;
using Fault = OrleansCluster.Cli.Tests.FakeAlertSources.Fault;
using Series = OrleansCluster.Cli.Tests.FakeAlertSources.Series;

namespace OrleansCluster.Cli.Tests.Commands;

/// <summary>
/// <c>orleanscluster alerts</c> against stand-ins for the silo and Prometheus (<see cref="FakeAlertSources"/>): a window
/// older than the registry's bounded history of ended faults is cut to where the ground truth is complete (or refused
/// when nothing is left), arguments out of range or that do not parse are refused with exit 2, and a query Prometheus
/// refuses is one line naming Prometheus and its error.
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
    public async Task ArgumentsOutOfRangeOrThatDoNotParseExitTwoWithTheReason(string arguments, string reason)
    {
        await using var sources = await FakeAlertSources.StartAsync([], []);

        var (exit, output, error) = await CliProcess.RunAsync(["alerts", "--url", sources.Url, "--key", "k", "--prometheus", sources.Url, .. arguments.Split(' ')]);

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
}
