using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace OrleansCluster.Silo.Tests;

/// <summary>
/// The real host (Orleans silo and HTTP) in the test process, on free loopback ports so that several can run
/// beside a developer's own silo. The scenario and pace are the test's.
/// </summary>
public sealed class SiloFactory : WebApplicationFactory<Program>
{
    public string Scenario { get; init; } = "small";

    public string Pace { get; init; } = "max";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Simulation:Scenario", Scenario);
        builder.UseSetting("Simulation:Pace", Pace);
        builder.UseSetting("Orleans:SiloPort", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Orleans:GatewayPort", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Orleans:ClusterId", $"test-{Guid.NewGuid():N}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
