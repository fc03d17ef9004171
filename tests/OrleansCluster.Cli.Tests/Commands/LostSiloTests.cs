using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OrleansCluster.Testing;

namespace OrleansCluster.Cli.Tests.Commands;

/// <summary>
/// The built <c>orleanscluster</c> when its silo dies during a run (a <see cref="DyingRelay"/> in front of a real
/// silo: connections reset, then refused) or is not there at all: a run stops soon after, prints the report of what
/// ran and exits 1, a run with failures; a command that cannot run says in one line which call failed and why.
/// </summary>
public sealed class LostSiloTests(KestrelCliSiloFixture silo) : IClassFixture<KestrelCliSiloFixture>, IAsyncLifetime
{
    private const string Key = CliSiloFixture.Key;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        // The runs cut short leave their faults in force on the silo, which lives on behind the relay.
        using var client = silo.Target.CreateClient();
        await SiloApi.SendAsync(client, HttpMethod.Delete, "/api/faults", null, CancellationToken.None);
    }

    [Fact]
    public async Task AnApiRunWhoseSiloDiesStopsSoonPrintsWhatRanAndExitsOne()
    {
        // Found by a probe: the silo killed 8 s into `api --seconds 60`, the run went on 62 s and exited 2 with only
        // "Connection refused". Here it dies on the sixth inject.
        await using var relay = new DyingRelay(silo.Url, "POST /api/faults ", 6);

        var (exit, output, error) = await CliProcess.RunAsync("api", "--url", relay.Url, "--key", Key, "--callers", "2", "--rounds", "1000000", "--rate", "20", "--seconds", "90", "--output", "json");

        Assert.True(relay.Died.IsCompleted, $"the relay never died: {output}{error}");
        Assert.True(exit == 1, $"exit {exit}: {output}{error}");
        var report = JsonDocument.Parse(output).RootElement;
        Assert.True(report.GetProperty("injected").GetInt32() >= 1, output);
        Assert.True(report.GetProperty("durationSeconds").GetDouble() < 60, output); // well before --seconds 90
        var stopped = report.GetProperty("stopped").GetString()!;
        Assert.Contains("stopped answering", stopped, StringComparison.Ordinal);
        Assert.Contains(relay.Url, stopped, StringComparison.Ordinal);
        Assert.False(report.TryGetProperty("consistent", out _), output); // the list could not be read after the run
        var errors = report.GetProperty("operations").EnumerateArray().SelectMany(o => o.GetProperty("errors").EnumerateObject()).ToArray();
        Assert.Contains(errors, e => e.Name == "connection" && e.Value.GetInt32() >= 1);
    }

    [Fact]
    public async Task AScrapeWhoseSiloDiesStopsSoonPrintsWhatRanAndExitsOne()
    {
        // Found by a probe: the silo killed during `scrape --seconds 40`, the run went on 48 s and exited 2 with only
        // "Connection refused", where failed scrapes are exit 1. Here it dies on the third scrape.
        await using var relay = new DyingRelay(silo.Url, "GET /metrics", 3);
        var clock = Stopwatch.StartNew();

        var (exit, output, error) = await CliProcess.RunAsync("scrape", "--url", relay.Url, "--key", Key, "--scrapers", "1", "--seconds", "100", "--output", "json");

        Assert.True(relay.Died.IsCompleted, $"the relay never died: {output}{error}");
        Assert.True(exit == 1, $"exit {exit}: {output}{error}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(70), $"{clock.Elapsed} for --seconds 100"); // a wide margin: 2 loaded cores
        var report = JsonDocument.Parse(output).RootElement;
        Assert.True(report.GetProperty("scrapes").GetInt64() >= 2, output);
        Assert.True(report.GetProperty("failures").GetInt32() >= 1, output);
        var lost = report.GetProperty("lost").EnumerateArray().Select(l => l.GetString()!).ToArray();
        Assert.NotEmpty(lost);
        Assert.All(lost, l => Assert.Contains(relay.Url, l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ACampaignCutShortByItsSiloKeepsWhatLandedAndExitsOne()
    {
        // The docs say a campaign cut short is exit 1; one whose silo died exited 2 with one line. Here the silo dies
        // after the fault landed, as its figures are read.
        await using var relay = new DyingRelay(silo.Url, "GET /api/stragglers", 1);
        var file = Path.Combine(Path.GetTempPath(), $"orleanscluster-lost-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, """
            { "name": "cli-lost", "faults": [
              { "kind": "node.slowdown", "target": { "node": "east-00007" }, "params": { "factor": 4 }, "durationSeconds": 120 } ] }
            """, TestContext.Current.CancellationToken);
        try
        {
            var (exit, output, error) = await CliProcess.RunAsync("campaign", file, "--url", relay.Url, "--key", Key, "--seconds", "100", "--output", "json");

            Assert.True(relay.Died.IsCompleted, $"the relay never died: {output}{error}");
            Assert.True(exit == 1, $"exit {exit}: {output}{error}");
            var report = JsonDocument.Parse(output).RootElement;
            var landed = Assert.Single(report.GetProperty("faults").EnumerateArray());
            Assert.Equal("node.slowdown", landed.GetProperty("kind").GetString());
            Assert.Contains("stopped answering", landed.GetProperty("noFigures").GetString(), StringComparison.Ordinal);
            var stopped = report.GetProperty("stopped").GetString()!;
            Assert.Contains("stopped answering", stopped, StringComparison.Ordinal);
            Assert.Contains(relay.Url, stopped, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task AWhatIfWhoseSiloDiesNamesTheCallAndTheCause()
    {
        // Found by a probe: "An error occurred while sending the request.", naming neither the URL nor the cause.
        await using var relay = new DyingRelay(silo.Url, "POST /api/whatif", 1);

        var (exit, output, error) = await CliProcess.RunAsync("whatif", "--url", relay.Url, "--key", Key, "--steps", "10000");

        Assert.True(exit == 2, $"exit {exit}: {output}{error}");
        var line = Assert.Single(error.Trim().Split('\n'));
        Assert.StartsWith($"error: POST {relay.Url}/api/whatif: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("An error occurred while sending the request", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET", "/api/cluster", "api")]
    [InlineData("GET", "/api/cluster", "scrape")]
    [InlineData("GET", "/api/cluster", "ramp")]
    [InlineData("GET", "/api/cluster", "whatif")] // its key checked first, as campaign's
    public async Task ACommandWhoseSiloIsNotThereNamesTheCallAndTheCause(string method, string path, string command)
    {
        var url = $"http://127.0.0.1:{ManagedProcess.FreePort().ToString(CultureInfo.InvariantCulture)}";

        var (exit, output, error) = await CliProcess.RunAsync(command, "--url", url, "--key", Key);

        Assert.True(exit == 2, $"exit {exit}: {output}{error}");
        Assert.Equal($"error: {method} {url}{path}: Connection refused", error.Trim());
    }

    [Fact]
    public async Task StatusWithNoGatewayGivesUpWithinItsBoundNamingTheGateway()
    {
        // Found by a probe: with nothing on the port the Orleans client tried for about 184 s.
        var port = ManagedProcess.FreePort().ToString(CultureInfo.InvariantCulture);

        var (exit, output, error) = await CliProcess.RunAsync("status", "--gateway-port", port, "--connect-timeout", "5");

        Assert.True(exit == 2, $"exit {exit}: {output}{error}");
        var line = Assert.Single(error.Trim().Split('\n'));
        Assert.Contains($"the gateway 127.0.0.1:{port}", line, StringComparison.Ordinal);
        Assert.Contains("--connect-timeout", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StatusWithNoGatewayGivesUpByDefaultLongBeforeTheClientsOwnThreeMinutes()
    {
        var port = ManagedProcess.FreePort().ToString(CultureInfo.InvariantCulture);

        // CliProcess fails a run past two minutes; the client's own retries took about 184 s.
        var (exit, output, error) = await CliProcess.RunAsync("status", "--gateway-port", port);

        Assert.True(exit == 2, $"exit {exit}: {output}{error}");
        Assert.Contains($"the gateway 127.0.0.1:{port}", error, StringComparison.Ordinal);
    }
}
