using System.Globalization;
using System.Net;
using System.Net.Sockets;
using OrleansCluster.Testing;

namespace OrleansCluster.Silo.Tests.Cluster;

/// <summary>
/// <c>--help</c> and <c>-h</c> print the usage and exit 0 without starting anything. Found by probing:
/// <c>dotnet OrleansCluster.Silo.dll --help</c> started a full silo on the default ports (8080, 11111, 30000).
/// </summary>
public sealed class HelpTests
{
    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task HelpPrintsTheUsageAndExits0BindingNothing(string help)
    {
        // Ports of its own rather than the defaults, so that a silo that did start would bind nothing another test or
        // user holds; the usage must come back without either being bound.
        var ports = new[] { ManagedProcess.FreePort(), ManagedProcess.FreePort(), ManagedProcess.FreePort() };
        var silo = ManagedProcess.BuiltProgram("OrleansCluster.Silo", "OrleansCluster.Silo.dll");
        await using var process = ManagedProcess.Start("dotnet",
        [
            silo, help, "--urls", $"http://127.0.0.1:{Port(ports[0])}",
            "--Orleans:SiloPort", Port(ports[1]), "--Orleans:GatewayPort", Port(ports[2]), "--Orleans:ClusterId", $"help-{Guid.NewGuid():N}",
        ], Path.GetDirectoryName(silo));

        int exitCode;
        try
        {
            exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(90));
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            Assert.Fail($"{help} did not exit within 90 s: a silo started; its output:\n{process.Output}");
            throw;
        }

        Assert.True(exitCode == 0, $"exit code {exitCode}; output:\n{process.Output}");
        var output = string.Join('\n', process.Lines);
        Assert.StartsWith("OrleansCluster silo: ", output, StringComparison.Ordinal);
        foreach (var expected in new[] { "Usage: dotnet OrleansCluster.Silo.dll", "Simulation:Scenario", "Simulation:Pace", "--urls", "Orleans:SiloPort", "Orleans:GatewayPort", "Admin:ApiKey", "README.md" })
        {
            Assert.Contains(expected, output, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(process.Lines, l => l.Contains("Now listening", StringComparison.Ordinal));
        foreach (var port in ports)
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start(); // throws if anything still holds the port
        }
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
