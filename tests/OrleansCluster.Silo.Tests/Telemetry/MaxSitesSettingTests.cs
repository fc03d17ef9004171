using System.Globalization;
using OrleansCluster.Silo.Tests.Api;
using OrleansCluster.Testing;

namespace OrleansCluster.Silo.Tests.Telemetry;

/// <summary>
/// <c>Telemetry:MaxSites</c> below 1 would fold every site of every scenario into <c>site="other"</c> (0) or make no
/// sense (negative): the silo refuses to start, naming the setting, in process (the exception) and as users run it
/// (one line and exit code 1).
/// </summary>
public sealed class MaxSitesSettingTests
{
    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("-64")]
    public async Task MaxSitesBelowOneStopsTheSiloAtStartNamingTheSetting(string value)
    {
        await using var factory = new SiloFactory { Settings = new Dictionary<string, string> { ["Telemetry:MaxSites"] = value } };

        var error = Assert.ThrowsAny<Exception>(() => factory.Server);

        Assert.Contains("Telemetry:MaxSites", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MaxSitesOfZeroStopsTheSiloProcessWithExitCode1AndOneLineNamingTheSetting()
    {
        await using var silo = ManagedProcess.StartSilo(ManagedProcess.FreePort(),
        [
            "--Telemetry:MaxSites", "0", "--Orleans:ClusterId", $"maxsites-{Guid.NewGuid():N}",
            "--Orleans:SiloPort", Port(ManagedProcess.FreePort()), "--Orleans:GatewayPort", Port(ManagedProcess.FreePort()),
        ]);

        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(1, exitCode);
        var refusal = Assert.Single(silo.Lines, l => l.StartsWith("the silo did not start: ", StringComparison.Ordinal));
        Assert.Contains("Telemetry:MaxSites", refusal, StringComparison.Ordinal);
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
