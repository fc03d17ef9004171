using OrleansCluster.Cli.Commands;
using OrleansCluster.Testing;

namespace OrleansCluster.Cli.Tests.Commands;

/// <summary>
/// What the built program reads from its arguments, refused before it calls anything: an option out of range, a file
/// that is a directory, missing or not JSON. Each run targets a listener that never answers and counts the connections
/// made to it: a refusal is exit 2, one line on standard error naming what was refused and why, and no connection.
/// And values in range at their extremes, which <c>api</c> runs against a real silo.
/// </summary>
public sealed class CliInputTests(CliSiloFixture silo) : IClassFixture<CliSiloFixture>, IDisposable
{
    private const string Campaign = "CAMPAIGN";

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("cli-input");

    public void Dispose() => _folder.Delete(recursive: true);

    [Theory]
    // Found by a black-box probe: campaign --seconds 0 posted the campaign (its faults landed), then exited 1 with an
    // empty table; the others were refused only after the key's check had called the silo.
    [InlineData("--seconds must be from 1 to 2,592,000 (got 0)", "campaign", Campaign, "--seconds", "0")]
    [InlineData("--seconds must be from 1 to 2,592,000 (got -1)", "campaign", Campaign, "--seconds", "-1")]
    // A run waits out its time with one timer: past ~49.7 days it failed at its end, the campaign long landed.
    [InlineData("--seconds must be from 1 to 2,592,000 (got 2592001)", "campaign", Campaign, "--seconds", "2592001")]
    [InlineData("--seconds must be from 1 to 2,592,000 (got 0)", "scrape", "--seconds", "0")]
    [InlineData("--seconds must be from 1 to 2,592,000 (got 2592001)", "scrape", "--seconds", "2592001")]
    [InlineData("--scrapers must be at least 1 (got 0)", "scrape", "--scrapers", "0")]
    [InlineData("--callers and --rounds must be at least 1, --rate >= 0 and --seconds from 1 to 2,592,000", "api", "--callers", "0")]
    [InlineData("--callers and --rounds must be at least 1, --rate >= 0 and --seconds from 1 to 2,592,000", "api", "--rate", "NaN")]
    [InlineData("--callers and --rounds must be at least 1, --rate >= 0 and --seconds from 1 to 2,592,000", "api", "--seconds", "2592001")]
    [InlineData("--sizes: 0 is not a node count (each size must be at least 1)", "ramp", "--sizes", "0")]
    [InlineData("--floor must be >= 0, --window > 0 and --warmup >= 0", "ramp", "--window", "0")]
    [InlineData("--steps must be at least 1 (got 0)", "whatif", "--steps", "0")]
    // Port 0 left the Orleans client waiting for a gateway that never answers; -1 said "Parameter 'port'".
    [InlineData("--gateway-port must be from 1 to 65535 (got 0)", "status", "--gateway-port", "0")]
    [InlineData("--gateway-port must be from 1 to 65535 (got 65536)", "status", "--gateway-port", "65536")]
    public async Task AnOptionOutOfRangeIsRefusedNamingItsRangeBeforeAnythingIsCalled(string reason, params string[] arguments)
    {
        var campaign = Path.Combine(ManagedProcess.RepositoryRoot(), "campaigns", "small-aging-link.json");

        var line = await RefusedAsync([.. arguments.Select(a => a == Campaign ? campaign : a)]);

        Assert.Equal($"error: {reason}", line);
    }

    [Theory]
    [InlineData("campaign")]
    [InlineData("whatif", "--variants")]
    public async Task ADirectoryGivenAsTheFileIsRefusedNamingIt(params string[] command)
    {
        // Found by a black-box probe: reading a directory on Linux threw UnauthorizedAccessException, a stack trace.
        var directory = _folder.CreateSubdirectory("campaigns").FullName;

        var line = await RefusedAsync([.. command, directory]);

        Assert.Equal($"error: {directory} is a directory, not a JSON file", line);
    }

    [Theory]
    [InlineData("campaign")]
    [InlineData("whatif", "--variants")]
    public async Task AMissingFileIsRefusedNamingIt(params string[] command)
    {
        var missing = Path.Combine(_folder.FullName, "nowhere", "campaign.json");

        var line = await RefusedAsync([.. command, missing]);

        // whatif --variants also takes named changes: a value that is no file is refused saying what it takes.
        Assert.StartsWith(command[0] == "whatif" ? $"error: --variants '{missing}' is no file here, nor a named change: it takes " : "error: Could not find ", line, StringComparison.Ordinal);
        Assert.Contains(missing, line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("campaign")]
    [InlineData("whatif", "--variants")]
    public async Task AFileThatIsNotJsonIsRefusedNamingItAndWhereItBreaks(params string[] command)
    {
        // Found by a black-box probe: whatif said "an answer was not the admin API's JSON", blaming the silo for the
        // local file, and campaign posted the file for the silo to refuse. The third line breaks at its 15th byte.
        var file = Path.Combine(_folder.FullName, "broken.json");
        await File.WriteAllTextAsync(file, "// comments and trailing commas are JSON here, as the admin API takes them\n{ \"name\": \"x\",\n  \"faults\": [ }\n", TestContext.Current.CancellationToken);

        var line = await RefusedAsync([.. command, file]);

        Assert.Equal($"error: {file} is not valid JSON (line 3, byte 15): '}}' is an invalid start of a value.", line);
    }

    [Fact]
    public void AFileThatCannotBeReadOrWrittenIsACommandThatCouldNotRun()
    {
        // An unreadable FILE, or a --report folder that cannot be written: one line naming the path, not a stack trace.
        var denied = new UnauthorizedAccessException("Access to the path '/reports/ramp.json' is denied.");

        Assert.True(CommandErrors.CouldNotRun(denied, CancellationToken.None));
        Assert.Equal("Access to the path '/reports/ramp.json' is denied.", CommandErrors.Describe(denied));
    }

    [Fact]
    public async Task ACallThatGetsNoAnswerInTimeNamesTheCallAndTheTimeout()
    {
        // Found by a user: "no answer in time: The operation was canceled." named neither the call, nor the address, nor
        // how long the program had waited.
        await using var silent = new SilentListener();
        using var client = (Target.Parse(silent.Url, "k") with { Timeout = TimeSpan.FromSeconds(1.5) }).CreateClient();

        var e = await Assert.ThrowsAnyAsync<TaskCanceledException>(() => SiloApi.CheckKeyAsync(client, TestContext.Current.CancellationToken));

        Assert.True(CommandErrors.CouldNotRun(e, TestContext.Current.CancellationToken));
        Assert.Equal($"no answer from GET {silent.Url}/api/cluster within 1.5 s: is it running there, and not stuck?", CommandErrors.Describe(e));
    }

    [Theory]
    // 2 callers at 0.1 calls/s: 60 s between a caller's rounds, twice what the run may last (a margin a busy machine
    // cannot eat: the round itself takes a second or so).
    [InlineData(1, 0.1, 30)]
    [InlineData(2, 0.1, 30)]
    // So low a rate that the interval is no TimeSpan: it overflowed.
    [InlineData(2, 1e-300, 30)]
    public async Task ASlowRateWaitsNeitherAfterTheLastRoundNorPastTheSeconds(int rounds, double rate, int seconds)
    {
        // Found by a probe: `api --callers 2 --rounds 1 --rate 0.5 --seconds 3` ran 12 s, its callers waiting for
        // rounds that never came.
        using var client = silo.CreateTargetClient();

        var report = await ApiLoad.RunAsync(client, new ApiLoad.Options(Callers: 2, Rounds: rounds, CallsPerSecond: rate, MaxDuration: TimeSpan.FromSeconds(seconds)), null, TestContext.Current.CancellationToken);

        // One round each, the next due past --seconds: over at once, well within --seconds even on a busy machine.
        Assert.Equal((2, 2, true), (report.Injected, report.Cleared, report.Consistent));
        Assert.True(report.DurationSeconds < seconds, $"{report.DurationSeconds:0.0} s for --seconds {seconds}");
    }

    [Fact]
    public async Task CallersTimesRoundsPastIntMaxValueRunsUntilItsSeconds()
    {
        // Found by a probe: `api --callers 2 --rounds 2147483647` failed at the second caller's second round.
        using var client = silo.CreateTargetClient();

        // About 10 rounds a caller a second (60 calls/s over 2 callers x 3 calls), well within the silo's mutation rate
        // limit; 5 s, so that each caller has its second round on a busy machine too.
        var report = await ApiLoad.RunAsync(client, new ApiLoad.Options(Callers: 2, Rounds: int.MaxValue, CallsPerSecond: 60, MaxDuration: TimeSpan.FromSeconds(5)), null, TestContext.Current.CancellationToken);

        Assert.True(report.Operations.Single(o => o.Name == "inject").Latency.Count > 2, report.Summary());
        Assert.True(report.Consistent, report.Summary());
    }

    // Runs the program against a listener that never answers: the run must be refused before it connects.
    private static async Task<string> RefusedAsync(string[] arguments)
    {
        await using var silent = new SilentListener();

        var (exit, output, error) = await CliProcess.RunAsync([.. arguments, "--url", silent.Url, "--key", "k"]);

        Assert.True(exit == 2, $"exit {exit}: {output}{error}");
        Assert.Equal(string.Empty, output);
        Assert.Equal(0, silent.Accepted);
        return Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}
