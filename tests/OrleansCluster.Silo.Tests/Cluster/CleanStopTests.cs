using System.Globalization;
using System.Net.Http.Headers;
using OrleansCluster.Silo.Tests.Api;
using OrleansCluster.Silo.Tests.Telemetry;

namespace OrleansCluster.Silo.Tests.Cluster;

/// <summary>
/// The embedded silo as a service manager stops it (SIGTERM) while the job runs: a few lines, no stack traces. The
/// job's save into memory storage at shutdown failed only when the catalog happened to deactivate the storage grain
/// first (a race: 3 of 9 stops here), so without the fix this test fails only as often.
/// </summary>
public sealed class CleanStopTests
{
    [Fact]
    public async Task SigtermStopsARunningSiloWithoutStackTraces()
    {
        var http = ManagedProcess.FreePort();
        await using var silo = ManagedProcess.StartSilo(http,
        [
            "--Admin:ApiKey", "stop-test-key", "--Simulation:Pace", "realtime", "--Simulation:Speed", "20",
            "--Orleans:ClusterId", $"stop-{Guid.NewGuid():N}",
            "--Orleans:SiloPort", Port(ManagedProcess.FreePort()), "--Orleans:GatewayPort", Port(ManagedProcess.FreePort()),
        ]);
        await silo.WaitUntilAnsweringAsync($"http://127.0.0.1:{http}/healthz");
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}") };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "stop-test-key");
        await client.WaitForClusterAsync(c => c.Step() >= 3, "the job to step");
        var before = silo.Lines.Count;

        await silo.TerminateAsync(TimeSpan.FromSeconds(120));

        var stop = silo.Lines.Skip(before).ToArray();
        var stopText = string.Join('\n', stop);
        Assert.DoesNotContain(stop, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        Assert.DoesNotContain(stop, l => l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal));
        Assert.True(stop.Length <= 20, $"{stop.Length} lines on stopping:\n{stopText}");
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
