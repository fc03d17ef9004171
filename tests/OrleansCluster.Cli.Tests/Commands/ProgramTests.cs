using System.Globalization;
using System.Text.Json;
using OrleansCluster.Testing;

namespace OrleansCluster.Cli.Tests.Commands;

/// <summary>
/// The built <c>orleanscluster</c> program against a silo process, as users run both: arguments, exit codes,
/// JSON on standard output and the report files.
/// </summary>
public sealed class ProgramTests(SiloProcessFixture silo) : IClassFixture<SiloProcessFixture>, IDisposable
{
    private const string Key = SiloProcessFixture.Key;
    private readonly string _reports = Path.Combine(Path.GetTempPath(), $"orleanscluster-program-{Guid.NewGuid():N}");

    private string Url => silo.Url;

    public void Dispose()
    {
        if (Directory.Exists(_reports))
        {
            Directory.Delete(_reports, recursive: true);
        }
    }

    [Fact]
    public async Task ARampThatHoldsExitsZeroPrintsJsonAndWritesItsReport()
    {
        var (exit, output, error) = await RunAsync("ramp", "--url", Url, "--key", Key, "--sizes", "40", "80", "--window", "1", "--warmup", "0", "--output", "json", "--report", _reports);

        Assert.True(exit == 0, $"exit {exit}: {error}");
        using var report = JsonDocument.Parse(output);
        Assert.Equal(["ramp-40", "ramp-80"], report.RootElement.GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("scenario").GetString()));
        Assert.Equal("ramp-80", report.RootElement.GetProperty("largestHeld").GetString());
        Assert.Equal(["ramp.json", "ramp.md", "ramp.png"], Directory.GetFiles(_reports).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        using var written = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_reports, "ramp.json"), TestContext.Current.CancellationToken));
        Assert.Equal(report.RootElement.GetProperty("stages").GetArrayLength(), written.RootElement.GetProperty("stages").GetArrayLength());
        Assert.Contains("report: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARampUnderItsFloorExitsOneAndSaysWhereItStopped()
    {
        var (exit, output, _) = await RunAsync("ramp", "--url", Url, "--key", Key, "--sizes", "40", "--window", "1", "--warmup", "0", "--floor", "1000000000");

        Assert.Equal(1, exit);
        Assert.Contains("stopped at ramp-40", output, StringComparison.Ordinal);
        Assert.Contains("below the floor", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StatusReadsTheJobThroughTheGateway()
    {
        // A connect timeout that holds on two loaded cores (the default 15 s did not once in CI, 2026-11-28).
        var (exit, output, error) = await RunAsync("status", "--gateway-port", silo.GatewayPort.ToString(CultureInfo.InvariantCulture), "--cluster-id", silo.ClusterId, "--output", "json", "--connect-timeout", "180");

        Assert.True(exit == 0, $"exit {exit}: {error}");
        using var report = JsonDocument.Parse(output);
        Assert.Contains(report.RootElement.GetProperty("state").GetString(), (string[])["running", "paused"]);
        Assert.StartsWith("S127.0.0.1:", report.RootElement.GetProperty("host").GetString(), StringComparison.Ordinal);
        Assert.True(report.RootElement.GetProperty("grainCalls").GetInt64() > 0);
    }

    [Theory]
    [InlineData("api --url http://10.0.0.1:8080", "not a loopback address")]
    [InlineData("ramp --sizes 0", "--sizes: 0 is not a node count")]
    [InlineData("api --callers 0", "--callers and --rounds must be at least 1")]
    [InlineData("scrape --seconds 0", "--seconds must be from 1 to 2,592,000 (got 0)")]
    [InlineData("scrape --timeout 0", "--timeout must be")]
    [InlineData("api --callers many", "Cannot parse argument 'many' for option '--callers'")] // a parse error is bad arguments too
    [InlineData("scrape --output xml", "Argument 'xml' not recognized")]
    public async Task WhatCannotRunExitsTwoWithTheReason(string arguments, string reason)
    {
        var args = arguments.Split(' ').Concat(arguments.Contains("--url", StringComparison.Ordinal) ? [] : new[] { "--url", Url, "--key", Key }).ToArray();

        var (exit, _, error) = await RunAsync(args);

        Assert.Equal(2, exit);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ramp", "--sizes", "40")]
    [InlineData("scrape", "--seconds", "2")]
    [InlineData("api", "--rounds", "1")]
    [InlineData("alerts", "--seconds", "60", "--prometheus", "http://127.0.0.1:9")] // the silo's ground truth first, before Prometheus
    [InlineData("whatif", "--steps", "1")]
    public async Task ARefusedKeyExitsTwoNamingKeyAndItsVariable(params string[] command)
    {
        var (exit, output, error) = await RunAsync([.. command, "--url", Url, "--key", "not-the-key"]);

        Assert.Equal(2, exit);
        Assert.Contains("refused the admin key (401)", error, StringComparison.Ordinal);
        Assert.Contains("--key", error, StringComparison.Ordinal);
        Assert.Contains("ORLEANSCLUSTER_KEY", error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, output);
    }

    [Fact]
    public async Task TheKeyIsReadFromItsVariableAndAReportWithoutAFolderGoesUnderReports()
    {
        Directory.CreateDirectory(_reports);

        var (exit, _, error) = await RunAsync(_reports, new Dictionary<string, string> { ["ORLEANSCLUSTER_KEY"] = Key }, "scrape", "--url", Url, "--seconds", "2", "--report");

        Assert.True(exit == 0, $"exit {exit}: {error}");
        var folder = Assert.Single(Directory.GetDirectories(Path.Combine(_reports, "reports")));
        Assert.StartsWith("scrape-", Path.GetFileName(folder), StringComparison.Ordinal);
        Assert.Equal(["scrape.json", "scrape.md"], Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AScrapeOfASiloThatNeverAnswersReportsItsScrapesFailedAndExitsOne()
    {
        await using var silent = new SilentListener();

        var (exit, output, error) = await RunAsync("scrape", "--url", Url, "--key", Key, "--silo", silent.Url, "--seconds", "3", "--scrapers", "1", "--timeout", "2", "--output", "json");

        Assert.True(exit == 1, $"exit {exit}: {output}{error}");
        using var report = JsonDocument.Parse(output);
        Assert.Equal(0, report.RootElement.GetProperty("scrapes").GetInt64());
        Assert.True(report.RootElement.GetProperty("failures").GetInt32() >= 1, output);
    }

    [Fact]
    public async Task AScrapeGivenSilosAndNoUrlCallsTheFirstSiloForTheKeyAndTheStepRate()
    {
        // docs/load-testing.md's example (`scrape --scrapers 4 --seconds 20 --silo A --silo B`, no --url). Found by a
        // newcomer's run: the key's check and the step rate went to the default --url, :8080: "Connection refused", exit 2.
        var (exit, output, error) = await RunAsync("scrape", "--key", Key, "--scrapers", "1", "--seconds", "2", "--silo", Url, "--silo", Url, "--output", "json");

        Assert.True(exit == 0, $"exit {exit}: {output}{error}");
        using var report = JsonDocument.Parse(output);
        Assert.Equal(2, report.RootElement.GetProperty("targets").GetInt32());
        Assert.True(report.RootElement.GetProperty("stepsPerSecondBefore").GetDouble() > 0, output);
    }

    [Fact]
    public async Task AGivenUrlAnswersTheAdminApiEvenBesideSilos()
    {
        await using var silent = new SilentListener();

        var (exit, output, error) = await RunAsync("scrape", "--url", silent.Url, "--key", Key, "--silo", Url, "--seconds", "1"); // the key's check waits its 30 s whatever --timeout says

        Assert.True(exit == 2, $"exit {exit}: {output}{error}");
        Assert.StartsWith($"error: no answer from GET {silent.Url}/api/cluster within 30 s:", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATargetThatNeverAnswersExitsTwoWithOneLineRatherThanAStackTrace()
    {
        await using var silent = new SilentListener();

        var (exit, output, error) = await RunAsync("scrape", "--url", silent.Url, "--key", Key); // the key's check waits its 30 s

        Assert.True(exit == 2, $"exit {exit}: {output}{error}");
        Assert.StartsWith($"error: no answer from GET {silent.Url}/api/cluster within 30 s:", error, StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(string.Empty, output);
    }

    [Fact]
    public void TheDefaultReportFolderIsIgnoredByGit()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, ".gitignore")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("no .gitignore above the test");
        }

        Assert.Contains($"{OrleansCluster.Cli.Reports.ReportWriter.DefaultFolder}/", File.ReadAllLines(Path.Combine(root, ".gitignore")));
    }

    [Theory]
    [InlineData]
    [InlineData("whatif")] // status takes no key: HelpTests checks its help
    [InlineData("ramp")]
    public async Task HelpNeverShowsTheAdminKeyFromTheEnvironment(params string[] command)
    {
        // Found by a newcomer's run: the key's default was the variable's value, and help prints defaults.
        const string secret = "key-that-must-not-show";
        var (exit, output, error) = await RunAsync(null, new Dictionary<string, string> { ["ORLEANSCLUSTER_KEY"] = secret }, [.. command, "--help"]);

        Assert.True(exit == 0, $"exit {exit}: {error}");
        Assert.Contains("--key", output, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, output + error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheKeyComesFromTheEnvironmentWhenNoOptionGivesIt()
    {
        var (exit, _, error) = await RunAsync(null, new Dictionary<string, string> { ["ORLEANSCLUSTER_KEY"] = Key }, "scrape", "--url", Url, "--seconds", "1", "--scrapers", "1");

        Assert.True(exit == 0, $"exit {exit}: {error}");
    }

    private static Task<(int Exit, string Output, string Error)> RunAsync(params string[] arguments) => CliProcess.RunAsync(arguments);

    private static Task<(int Exit, string Output, string Error)> RunAsync(string? folder, Dictionary<string, string> environment, params string[] arguments) =>
        CliProcess.RunAsync(folder, environment, arguments);
}
