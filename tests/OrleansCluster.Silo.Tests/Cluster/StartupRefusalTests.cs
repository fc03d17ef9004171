using System.Globalization;
using OrleansCluster.Testing;

namespace OrleansCluster.Silo.Tests.Cluster;

/// <summary>
/// A setting out of its bounds stops the silo process at start with a failing exit code and a line naming the
/// setting at fault, as a port conflict does, rather than an unhandled exception (an abort, exit code 134).
/// </summary>
public sealed class StartupRefusalTests
{
    [Fact]
    public async Task ASettingOutOfItsBoundsStopsTheSiloWithExitCode1AndALineNamingIt()
    {
        await using var silo = ManagedProcess.StartSilo(ManagedProcess.FreePort(),
        [
            "--Simulation:Speed", "0", "--Orleans:ClusterId", $"refusal-{Guid.NewGuid():N}",
            "--Orleans:SiloPort", Port(ManagedProcess.FreePort()), "--Orleans:GatewayPort", Port(ManagedProcess.FreePort()),
        ]);

        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(1, exitCode);
        Assert.Contains(silo.Lines, l => l.StartsWith("the silo did not start: ", StringComparison.Ordinal) && l.Contains("'Speed'", StringComparison.Ordinal));
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
