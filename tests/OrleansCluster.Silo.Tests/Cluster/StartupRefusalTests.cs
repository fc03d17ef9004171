using System.Globalization;
using OrleansCluster.Testing;

namespace OrleansCluster.Silo.Tests.Cluster;

/// <summary>
/// A setting out of its bounds stops the silo process at start with exit code 1 and one line naming the setting at
/// fault, as a port conflict does, rather than as an unhandled exception (a stack trace, then an abort: exit code
/// 134). In process, under WebApplicationFactory, the same setting still fails the start with the exception itself
/// (<c>LimitsTests.LimitOutOfItsRangeStopsTheSiloAtStart</c>).
/// </summary>
public sealed class StartupRefusalTests
{
    [Theory]
    [InlineData("Simulation:Speed", "0", "'Speed'")] // validated as the host starts
    [InlineData("Orleans:Clustering", "Consul", "Orleans:Clustering")] // read before the host is built
    public async Task ASettingOutOfItsBoundsStopsTheSiloWithExitCode1AndOneLineNamingIt(string key, string value, string named)
    {
        await using var silo = ManagedProcess.StartSilo(ManagedProcess.FreePort(),
        [
            $"--{key}", value, "--Orleans:ClusterId", $"refusal-{Guid.NewGuid():N}",
            "--Orleans:SiloPort", Port(ManagedProcess.FreePort()), "--Orleans:GatewayPort", Port(ManagedProcess.FreePort()),
        ]);

        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(1, exitCode);
        var refusal = Assert.Single(silo.Lines, l => l.StartsWith("the silo did not start: ", StringComparison.Ordinal));
        Assert.Contains(named, refusal, StringComparison.Ordinal);
        Assert.DoesNotContain(silo.Lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal) || l.StartsWith("Unhandled exception", StringComparison.Ordinal));
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
