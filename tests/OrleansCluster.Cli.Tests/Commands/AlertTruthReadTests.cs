using OrleansCluster.Cli.Commands;
using Fault = OrleansCluster.Cli.Tests.FakeAlertSources.Fault;

namespace OrleansCluster.Cli.Tests.Commands;

/// <summary>
/// The ground truth read in pages while the registry's list changes under them. Found by probing at max pace: the
/// pages (ordered by id) were read apart and appended, so a fault ending between two reads moved the page boundary,
/// and the read held some faults twice and skipped others; with a skipped ended fault the read held fewer ended faults
/// than the registry keeps, and the window was scored whole though the registry had dropped some of it.
/// </summary>
public sealed class AlertTruthReadTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 10, 20, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset First = Now.AddSeconds(-300);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Fault Ended(string id, DateTimeOffset start) => new(id, id, start, start.AddSeconds(10), "expired");

    // Before: d0000 and e0001-e0998 ended, e0999 in force (the first page's 1,000), and e1000 ended (the second page):
    // the registry's 1,000 ended faults. Then e0999 ends, and the registry drops its oldest ended fault, d0000: e0001-e1000,
    // all ended, fill the first page, and the second is empty.
    private static readonly List<Fault> Before =
    [
        Ended("d0000", First.AddSeconds(-1)),
        .. Enumerable.Range(1, AlertsCommand.EndedKept - 2).Select(i => Ended($"e{i:0000}", First.AddSeconds(i * 0.25))),
        new Fault("e0999", "e0999", Now.AddSeconds(-30), null, "active"),
        Ended("e1000", Now.AddSeconds(-20)),
    ];

    private static readonly List<Fault> After =
    [
        .. Before.Where(f => f.Id is not ("d0000" or "e0999")),
        Ended("e0999", Now.AddSeconds(-30)),
    ];

    [Fact]
    public async Task AListThatChangedBetweenItsPagesIsReadAgainAndItsHistoryCutIsSeen()
    {
        Assert.Equal(AlertsCommand.EndedKept, Before.Count(f => f.State == "expired"));
        Assert.Equal(AlertsCommand.EndedKept, After.Count(f => f.State == "expired"));
        await using var sources = await FakeAlertSources.StartAsync(Before, [], faultsByRequest: n => n == 1 ? Before : After);
        using var client = new HttpClient { BaseAddress = new Uri(sources.Url) };

        var report = await AlertsCommand.RunAsync(client, client, AlertsCommand.Options.From(400, 30, 1, null), Now, Ct);

        // Read as the registry holds it after the change: its earliest end is e0001's, so the window is cut there.
        var cut = First.AddSeconds(0.25 + 10);
        Assert.Equal((cut, Now.AddSeconds(-400)), (report.From, report.AskedFrom));
        Assert.Contains("last 1,000 ended faults", report.Warning, StringComparison.Ordinal);
        Assert.DoesNotContain("changed while its pages were read", report.Warning, StringComparison.Ordinal);
        // Scored: e0041-e0998, each once (those before e0041 began before the cut; e0999 and e1000 began within the
        // threshold and the grace before Now, pending).
        Assert.Equal(958, report.Faults);
    }

    [Fact]
    public async Task AListThatNeverHoldsStillIsScoredWithAWarningAndEachFaultOnce()
    {
        // Every read sees another list: the first page alternates between the two.
        await using var sources = await FakeAlertSources.StartAsync(Before, [], faultsByRequest: n => n % 2 == 1 ? Before : After);
        using var client = new HttpClient { BaseAddress = new Uri(sources.Url) };

        var report = await AlertsCommand.RunAsync(client, client, AlertsCommand.Options.From(400, 30, 1, null), Now, Ct);

        Assert.Contains("the fault list changed while its pages were read (3 reads)", report.Warning, StringComparison.Ordinal);
    }
}
