using Microsoft.AspNetCore.Hosting.Server;
using System.Net;
using System.Net.Sockets;

namespace OrleansCluster.Silo.Extensions;

/// <summary>
/// Refuses a start whose Orleans ports (or HTTP port) are taken. Orleans' socket listener sets <c>ReuseAddress</c>,
/// which .NET on Linux turns into <c>SO_REUSEADDR</c> and <c>SO_REUSEPORT</c>: a second silo on the same port binds
/// beside the first without an error, and the kernel then spreads connections between two unrelated clusters.
/// Orleans offers no option to turn that off, so before it starts each port is claimed twice here: its lock file
/// (<see cref="PortLocks"/>, against another silo starting at the same moment) and a bind without
/// <c>SO_REUSEPORT</c>, which fails while anything listens on it.
/// </summary>
internal static class OrleansPorts
{
    /// <summary>Why this silo must not start (a taken port, named with the key to change), or null.</summary>
    public static string? OrleansPortConflict(this WebApplicationBuilder builder)
    {
        var options = OrleansHostOptionsValidator.Read(builder);
        if (options.SiloPort == options.GatewayPort)
        {
            return $"Orleans:SiloPort and Orleans:GatewayPort are both {options.SiloPort}: give them different ports, e.g. --Orleans:GatewayPort={options.GatewayPort + 1}";
        }

        var address = ListenAddress(options);
        if (address is null)
        {
            return null; // an unresolvable host: Orleans' own start says so
        }

        var locks = new PortLocks();
        foreach (var (key, port) in new[] { ("Orleans:SiloPort", options.SiloPort), ("Orleans:GatewayPort", options.GatewayPort) })
        {
            if (port is <= 0 or > IPEndPoint.MaxPort)
            {
                continue; // refused with the other options' faults by AddOrleansSilo
            }

            var endpoint = new IPEndPoint(address, port);
            var conflict = !locks.TryTake(endpoint) ? $"{key} {port} is in use by another silo on {address}: set --{key}=N to a free port (or stop the other silo)"
                : InUse(endpoint) ? $"{key} {port} is in use by another process on {address}: set --{key}=N to a free port (or stop the other process)"
                : null;
            if (conflict is not null)
            {
                locks.Dispose();
                return conflict;
            }
        }

        builder.Services.AddHostedService(_ => locks); // held, then released, with the host
        return null;
    }

    /// <summary>
    /// Why this host must not start because its HTTP port is taken, or null. Kestrel refuses a taken port itself,
    /// but only once the silo has started, with pages of traces; checked after the host is built so that a test
    /// host (no Kestrel, no port) is left alone.
    /// </summary>
    public static string? HttpPortConflict(this WebApplication app)
    {
        if (app.Services.GetService<IServer>()?.GetType().Namespace?.StartsWith("Microsoft.AspNetCore.Server.Kestrel", StringComparison.Ordinal) != true)
        {
            return null;
        }

        foreach (var url in (app.Configuration["urls"] ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (HttpEndPoint(url) is { } http && InUse(http))
            {
                return $"the HTTP port {http.Port} ({url}) is in use by another process on {http.Address}: set --urls=http://127.0.0.1:N to a free port";
            }
        }

        return null;
    }

    private static IPEndPoint? HttpEndPoint(string url)
    {
        try
        {
            var binding = BindingAddress.Parse(url);
            if (binding.Port is <= 0 or > IPEndPoint.MaxPort)
            {
                return null;
            }

            var address = binding.Host is "*" or "+" ? IPAddress.Any
                : string.Equals(binding.Host, "localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
                : IPAddress.TryParse(binding.Host.Trim('[', ']'), out var parsed) ? parsed : null;
            return address is null ? null : new IPEndPoint(address, binding.Port);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>The address Orleans will listen on (see <see cref="OrleansExtensions"/>).</summary>
    private static IPAddress? ListenAddress(OrleansHostOptions options)
    {
        if (!options.IsRedis)
        {
            return IPAddress.Loopback;
        }

        if (options.ListenOnAnyAddress)
        {
            return IPAddress.Any;
        }

        if (IPAddress.TryParse(options.AdvertisedHost, out var address))
        {
            return address;
        }

        try
        {
            return Dns.GetHostAddresses(options.AdvertisedHost, AddressFamily.InterNetwork).FirstOrDefault();
        }
        catch (SocketException)
        {
            return null;
        }
    }

    private static bool InUse(IPEndPoint endpoint)
    {
        using var probe = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (OperatingSystem.IsLinux())
        {
            // SO_REUSEADDR alone (SOL_SOCKET 1, option 2): connections a silo just stopped left in TIME_WAIT do not
            // count as a use, a listener does. .NET's ReuseAddress would also set SO_REUSEPORT and defeat the probe.
            probe.SetRawSocketOption(1, 2, BitConverter.GetBytes(1));
        }
        else if (OperatingSystem.IsWindows())
        {
            probe.ExclusiveAddressUse = true;
        }

        try
        {
            probe.Bind(endpoint);
            return false;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            return true;
        }
    }
}
