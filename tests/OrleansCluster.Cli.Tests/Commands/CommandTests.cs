using System.Text.Json;
using OrleansCluster.Cli.Commands;
using OrleansCluster.Cli.Reports;

namespace OrleansCluster.Cli.Tests.Commands;

public sealed class CommandTests(SiloFixture silo) : IClassFixture<SiloFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ApiLoadReportsEveryCallAndAConsistentFaultList()
    {
        using var client = silo.CreateTargetClient();

        var report = await ApiLoad.RunAsync(client, new ApiLoad.Options(Callers: 6, Rounds: 5, CallsPerSecond: 0, MaxDuration: TimeSpan.FromSeconds(60)), null, Ct);

        Assert.True(report.Consistent);
        Assert.Equal(30, report.Injected);
        Assert.Equal(30, report.Cleared);
        Assert.Equal(0, report.Leftover);
        Assert.Equal(["inject", "read", "clear"], report.Operations.Select(o => o.Name));
        Assert.All(report.Operations, o =>
        {
            Assert.Equal(30, o.Latency.Count);
            Assert.Empty(o.Errors);
            Assert.True(o.Latency.P50Milliseconds > 0 && o.Latency.P50Milliseconds <= o.Latency.P99Milliseconds && o.Latency.P99Milliseconds <= o.Latency.MaxMilliseconds);
        });
        Assert.Equal(90 / report.DurationSeconds, report.CallsPerSecond, 6);
    }

    [Fact]
    public async Task ScrapeLoadReportsSizesLatenciesAndStepRates()
    {
        using var admin = silo.CreateTargetClient();
        using var scraper = silo.CreateTargetClient();

        var report = await ScrapeLoad.RunAsync(admin, [scraper], new ScrapeLoad.Options(Scrapers: 2, Duration: TimeSpan.FromSeconds(2), Baseline: TimeSpan.FromSeconds(1)), null, Ct);

        Assert.Equal(0, report.Failures);
        Assert.True(report.Scrapes >= 2);
        Assert.Equal(report.Scrapes, report.Latency.Count);
        Assert.True(report.BytesPerScrape > 10_000, $"{report.BytesPerScrape} bytes");
        Assert.True(report.SamplesPerScrape > 100);
        Assert.True(report.StepsPerSecondBefore > 0 && report.StepsPerSecondDuring > 0);
    }

    [Fact]
    public async Task CampaignReplayFollowsEachFaultAsItLands()
    {
        using var client = silo.CreateTargetClient();
        var campaign = """
            { "name": "cli-test", "faults": [
              { "kind": "node.slowdown", "target": { "node": "east-00007" }, "params": { "factor": 4 }, "durationSeconds": 30 },
              { "kind": "link.latency", "target": { "link": "west-east" }, "params": { "addMilliseconds": 3 }, "startInSeconds": 1, "durationSeconds": 30 } ] }
            """;
        var printed = new List<string>();

        var report = await CampaignReplay.RunAsync(client, campaign, TimeSpan.FromSeconds(30), l => printed.Add(CampaignReplay.Describe(l)), Ct);

        Assert.True(report.Complete);
        Assert.Equal("cli-test", report.Campaign);
        Assert.Equal(["node.slowdown", "link.latency"], report.Faults.Select(f => f.Kind));
        Assert.True(report.Faults[1].LandedAfterSeconds >= 1);
        Assert.Equal("east-00007", report.Faults[0].TopStraggler);
        Assert.All(report.Faults, f => Assert.True(f.StepSeconds > 0 && f.Step > 0));
        Assert.Equal(2, printed.Count);
        Assert.Contains("east-00007", printed[0], StringComparison.Ordinal);
    }

    [Fact]
    public void JsonReportsUseStableCamelCaseNames()
    {
        var report = new ApiLoad.Report(1, 1, 3, [new ApiLoad.OperationReport("inject", new Latency(1, 1, 2, 3), new Dictionary<string, int>())], 1, 1, 0, true);
        using var output = new StringWriter();

        ReportWriter.Write(output, report, "json");

        using var document = JsonDocument.Parse(output.ToString());
        Assert.Equal(["callers", "durationSeconds", "callsPerSecond", "operations", "injected", "cleared", "leftover", "consistent"], document.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(2, document.RootElement.GetProperty("operations")[0].GetProperty("latency").GetProperty("p99Milliseconds").GetDouble());
    }

    [Theory]
    [InlineData(0, 5, 0)]
    [InlineData(2, 0, 0)]
    [InlineData(2, 5, -1)]
    public async Task ApiLoadRefusesOptionsThatAreNotALoadBeforeCallingAnything(int callers, int rounds, double rate)
    {
        using var client = silo.CreateTargetClient();
        var before = (await client.GetStringAsync("/api/faults?all=true", Ct)).Length;

        var refused = await Assert.ThrowsAsync<ArgumentException>(() => ApiLoad.RunAsync(client, new ApiLoad.Options(callers, rounds, rate, TimeSpan.FromSeconds(5)), null, Ct));

        Assert.Contains("--callers", refused.Message, StringComparison.Ordinal);
        Assert.Equal(before, (await client.GetStringAsync("/api/faults?all=true", Ct)).Length);
    }

    [Theory]
    [InlineData("http://10.0.0.1:8080")]
    [InlineData("http://example.com")]
    [InlineData("ftp://127.0.0.1")]
    public void NonLoopbackTargetsAreRefused(string url) =>
        Assert.Throws<ArgumentException>(() => Target.Parse(url, null));

    [Theory]
    [InlineData("http://127.0.0.1:8080")]
    [InlineData("http://127.0.0.2:9000")]
    [InlineData("http://localhost:8080")]
    public void LoopbackTargetsAreAccepted(string url) =>
        Assert.True(Target.Parse(url, "k").BaseAddress.IsLoopback);
}
