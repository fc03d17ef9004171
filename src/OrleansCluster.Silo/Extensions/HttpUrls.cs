using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace OrleansCluster.Silo.Extensions;

/// <summary>
/// Refuses, before anything starts, an HTTP address Kestrel could not listen on, in one line and exit code 1 as a
/// setting out of its bounds is. Found by a newcomer's probe: <c>--urls 127.0.0.1:18080</c> (no scheme),
/// <c>--urls http://127.0.0.1:99999</c> and an address not of this machine started Orleans, then died as Kestrel
/// started: an unhandled exception, 180 lines of stack and exit code 134. A host name other than <c>localhost</c>
/// is Kestrel's "every interface" (it never resolves the name), so one that names no address of this machine is
/// refused here rather than listening everywhere.
/// </summary>
public static class HttpUrls
{
    private const string Form = "http://HOST:PORT";
    private const string Where = "give 127.0.0.1, another address of this machine, or 0.0.0.0 for every interface";

    /// <summary>
    /// Why this silo must not start because of its <c>urls</c> (from <c>--urls</c>, <c>ASPNETCORE_URLS</c> or
    /// configuration), as one line naming the setting and the address at fault, or null.
    /// </summary>
    public static string? Refusal(IConfiguration configuration, IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(args);
        return configuration["urls"] is { Length: > 0 } urls ? Refusal(urls, Setting(args), Dns.GetHostAddresses) : null;
    }

    /// <summary>
    /// Why <paramref name="urls"/> (addresses separated by ';') cannot be listened on, naming <paramref name="setting"/>,
    /// or null; a host name is looked up with <paramref name="resolve"/>.
    /// </summary>
    public static string? Refusal(string urls, string setting, Func<string, IPAddress[]> resolve)
    {
        ArgumentNullException.ThrowIfNull(urls);
        ArgumentNullException.ThrowIfNull(resolve);
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (Fault(url, resolve) is { } fault)
            {
                return $"the silo did not start: {setting} '{url}' {fault}";
            }
        }

        return null;
    }

    private static string? Fault(string url, Func<string, IPAddress[]> resolve)
    {
        BindingAddress binding;
        try
        {
            binding = BindingAddress.Parse(url);
        }
        catch (FormatException)
        {
            return $"is not a URL ({Form})";
        }

        if (binding.IsUnixPipe || binding.IsNamedPipe)
        {
            return null; // Kestrel's own forms for a socket file or a pipe, which have no port
        }

        // Parse takes what follows the last ':' as the port only when it is a number; otherwise it is left in the host.
        var host = binding.Host;
        if (host.Length == 0 || (host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[')) || binding.PathBase.Length > 0)
        {
            return $"is not a URL ({Form})";
        }

        if (!string.Equals(binding.Scheme, "http", StringComparison.OrdinalIgnoreCase) && !string.Equals(binding.Scheme, "https", StringComparison.OrdinalIgnoreCase))
        {
            return $"is not a URL ({Form}): the scheme '{binding.Scheme}' is not http or https";
        }

        if (binding.Port is < 0 or > IPEndPoint.MaxPort)
        {
            return $"has port {binding.Port.ToString(CultureInfo.InvariantCulture)}, out of range (0 to {IPEndPoint.MaxPort.ToString(CultureInfo.InvariantCulture)})";
        }

        if (host is "*" or "+" || string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (IPAddress.TryParse(host.Trim('[', ']'), out var address))
        {
            return IsOfThisMachine(address) ? null : $"names {address}, not an address of this machine: {Where}";
        }

        IPAddress[] addresses;
        try
        {
            addresses = resolve(host);
        }
        catch (SocketException)
        {
            addresses = [];
        }

        return addresses.Any(IsOfThisMachine) ? null
            : addresses.Length == 0 ? $"names host '{host}', which does not resolve: {Where}"
            : $"names host '{host}', which resolves to {string.Join(", ", addresses.Select(a => a.ToString()))}, not an address of this machine: {Where}";
    }

    // Whether a socket can be bound to the address (on a port the kernel picks: the port's own use is
    // OrleansPorts.HttpPortConflict's to check).
    private static bool IsOfThisMachine(IPAddress address)
    {
        try
        {
            using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(address, 0));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    // The name a person gave the setting by: the command line's, the environment's, or configuration's own.
    private static string Setting(IReadOnlyList<string> args) =>
        args.Any(a => a.StartsWith("--urls", StringComparison.OrdinalIgnoreCase) || a.StartsWith("/urls", StringComparison.OrdinalIgnoreCase)) ? "--urls"
        : !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_URLS")) ? "ASPNETCORE_URLS"
        : "urls";
}
