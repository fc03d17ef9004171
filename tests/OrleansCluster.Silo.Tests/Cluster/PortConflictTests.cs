using System.Globalization;
using System.Net;
using System.Net.Sockets;
using OrleansCluster.Testing;

namespace OrleansCluster.Silo.Tests.Cluster;

/// <summary>
/// Two silo processes on 127.0.0.1 asked for the same port: the second refuses to start, naming the port and the
/// setting to change, and the first goes on answering (Orleans' listener would otherwise bind beside it).
/// </summary>
public sealed class PortConflictTests : IAsyncLifetime
{
    private static readonly TimeSpan ExitLimit = TimeSpan.FromSeconds(120);
    private readonly int _httpPort = ManagedProcess.FreePort();
    private readonly int _siloPort = ManagedProcess.FreePort();
    private readonly int _gatewayPort = ManagedProcess.FreePort();
    private ManagedProcess? _first;

    public async ValueTask InitializeAsync()
    {
        _first = ManagedProcess.StartSilo(_httpPort, Settings(_siloPort, _gatewayPort));
        await _first.WaitUntilAnsweringAsync($"http://127.0.0.1:{_httpPort}/healthz");
    }

    public async ValueTask DisposeAsync()
    {
        if (_first is not null)
        {
            await _first.DisposeAsync();
        }
    }

    [Fact]
    public async Task SecondSiloOnATakenSiloPortRefusesToStart()
    {
        await using var second = ManagedProcess.StartSilo(ManagedProcess.FreePort(), Settings(_siloPort, ManagedProcess.FreePort()));

        var exitCode = await second.WaitForExitAsync(ExitLimit);

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"Orleans:SiloPort {Port(_siloPort)} is in use", second.Output, StringComparison.Ordinal);
        Assert.Contains("--Orleans:SiloPort=", second.Output, StringComparison.Ordinal);
        await _first!.WaitUntilAnsweringAsync($"http://127.0.0.1:{_httpPort}/healthz");
    }

    [Fact]
    public async Task SecondSiloOnATakenGatewayPortRefusesToStart()
    {
        await using var second = ManagedProcess.StartSilo(ManagedProcess.FreePort(), Settings(ManagedProcess.FreePort(), _gatewayPort));

        var exitCode = await second.WaitForExitAsync(ExitLimit);

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"Orleans:GatewayPort {Port(_gatewayPort)} is in use", second.Output, StringComparison.Ordinal);
        Assert.Contains("--Orleans:GatewayPort=", second.Output, StringComparison.Ordinal);
        await _first!.WaitUntilAnsweringAsync($"http://127.0.0.1:{_httpPort}/healthz");
    }

    [Fact]
    public async Task SecondSiloOnATakenHttpPortRefusesToStartInOneLine()
    {
        await using var second = ManagedProcess.StartSilo(_httpPort, Settings(ManagedProcess.FreePort(), ManagedProcess.FreePort()));

        var exitCode = await second.WaitForExitAsync(ExitLimit);

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"the HTTP port {Port(_httpPort)}", second.Output, StringComparison.Ordinal);
        Assert.Contains("--urls=", second.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(second.Lines, l => l.StartsWith("   at ", StringComparison.Ordinal) || l.Contains("      at ", StringComparison.Ordinal));
        await _first!.WaitUntilAnsweringAsync($"http://127.0.0.1:{_httpPort}/healthz");
    }

    [Fact]
    public async Task SiloWhosePortAnotherStartingSiloHoldsRefusesToStart()
    {
        // Another silo between its check and its bind: it holds the port's lock, and nothing listens on the port yet.
        var port = ManagedProcess.FreePort();
        var directory = Path.Combine(Path.GetTempPath(), "orleanscluster-ports");
        Directory.CreateDirectory(directory);
        await using var held = new FileStream(Path.Combine(directory, $"127.0.0.1-{Port(port)}.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        await using var second = ManagedProcess.StartSilo(ManagedProcess.FreePort(), Settings(port, ManagedProcess.FreePort()));

        var exitCode = await second.WaitForExitAsync(ExitLimit);

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"Orleans:SiloPort {Port(port)} is in use by another silo on 127.0.0.1", second.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SiloOnAPortAnotherProgramListensOnWithReusePortRefusesToStart()
    {
        // Listening as Orleans' listener does (ReuseAddress: SO_REUSEADDR and SO_REUSEPORT on Linux), which a plain
        // second bind with the same options would join without an error.
        using var other = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        other.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        other.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        other.Listen();
        var port = ((IPEndPoint)other.LocalEndPoint!).Port;
        await using var silo = ManagedProcess.StartSilo(ManagedProcess.FreePort(), Settings(ManagedProcess.FreePort(), port));

        var exitCode = await silo.WaitForExitAsync(ExitLimit);

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"Orleans:GatewayPort {Port(port)} is in use by another process on 127.0.0.1", silo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void TestPortsAreDistinctOutsideTheKernelsEphemeralRangeAndReservedAgainstOtherTestProcesses()
    {
        // A port the kernel can hand to any bind(0) or outgoing connection before the silo given it has started is
        // how two test silos once met on one port; the ports tests use must come from elsewhere and be held.
        var ports = Enumerable.Range(0, 40).Select(_ => ManagedProcess.FreePort()).ToArray();

        Assert.Equal(ports.Length, ports.Distinct().Count());
        var ephemeral = File.Exists("/proc/sys/net/ipv4/ip_local_port_range")
            ? File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray()
            : [49152, 65535];
        Assert.All(ports, p => Assert.True(p < ephemeral[0] || p > ephemeral[1], $"{p} is in the ephemeral range {ephemeral[0]}-{ephemeral[1]}"));
        Assert.All(ports, p => Assert.Throws<IOException>(() => new FileStream(
            Path.Combine(Path.GetTempPath(), $"orleanscluster-test-ports-{Environment.UserName}", $"{Port(p)}.lock"), FileMode.Open, FileAccess.ReadWrite, FileShare.None)));
    }

    private static string[] Settings(int siloPort, int gatewayPort) =>
        ["--Simulation:StartOnLaunch", "false", "--Orleans:ClusterId", $"ports-{Guid.NewGuid():N}", "--Orleans:SiloPort", Port(siloPort), "--Orleans:GatewayPort", Port(gatewayPort)];

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
