using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OrleansCluster.Silo.Extensions;

/// <summary>
/// Refuses, before anything starts, an HTTP address Kestrel could not listen on, in one line and exit code 1 as a
/// setting out of its bounds is. Found by a newcomer's probe: <c>--urls 127.0.0.1:18080</c> (no scheme),
/// <c>--urls http://127.0.0.1:99999</c> and an address not of this machine started Orleans, then died as Kestrel
/// started: an unhandled exception, 180 lines of stack and exit code 134. A host name other than <c>localhost</c>
/// is Kestrel's "every interface" (it never resolves the name), so one that names no address of this machine is
/// refused here rather than listening everywhere. Without <c>urls</c>, Kestrel listens on every interface at each port
/// of <c>http_ports</c> and <c>https_ports</c> (<c>ASPNETCORE_HTTP_PORTS</c>, <c>ASPNETCORE_HTTPS_PORTS</c>), which are
/// refused the same way when one is not a port: found by a newcomer, <c>ASPNETCORE_HTTP_PORTS=abc</c> (or
/// <c>8080,8081</c>, a comma for Kestrel's ';') listened on port 80 of every interface, and <c>99999</c> died as Kestrel
/// started (exit code 134).
/// </summary>
public static class HttpUrls
{
    private const string Form = "http://HOST:PORT";
    private const string Where = "give 127.0.0.1, another address of this machine, or 0.0.0.0 for every interface";
    private const string PortForm = "a whole number from 0 to 65535; several separated by ';'";

    /// <summary>The configuration keys Kestrel reads the ports it listens on from when <c>urls</c> is not set.</summary>
    private static readonly string[] PortKeys = ["http_ports", "https_ports"];

    /// <summary>
    /// Why this silo must not start because of its <c>urls</c> (from <c>--urls</c>, <c>ASPNETCORE_URLS</c> or
    /// configuration), or, without them, its <c>http_ports</c> or <c>https_ports</c>, as one line naming the setting and
    /// the address or port at fault, or null.
    /// </summary>
    public static string? Refusal(IConfiguration configuration, IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(args);
        if (configuration["urls"] is { Length: > 0 } urls)
        {
            // As Kestrel: the urls win, and the ports are not read.
            var setting = Setting(args);
            return Refusal(urls, setting, Dns.GetHostAddresses)
                ?? HttpsRefusal(configuration, setting, Entries(urls).FirstOrDefault(IsHttps), HasDevelopmentCertificate);
        }

        return PortKeys.Select(key => configuration[key] is { } ports ? PortsRefusal(ports, PortsSetting(key, ports, args)) : null).FirstOrDefault(r => r is not null)
            ?? (configuration["http_ports"] is { Length: > 0 } && configuration["https_ports"] is { Length: > 0 } https
                ? HttpsRefusal(configuration, PortsSetting("https_ports", https, args), https, HasDevelopmentCertificate)
                : null); // without http_ports, the silo's own default URL wins over https_ports (HostExtensions)
    }

    /// <summary>
    /// Why <paramref name="https"/> (an https address or port of <paramref name="setting"/>; null when none is) cannot be
    /// listened on, or null: Kestrel needs a certificate for it, from configuration (<c>Kestrel:Certificates:Default</c>)
    /// or the development certificate of <c>dotnet dev-certs https</c> (<paramref name="developmentCertificate"/> looks
    /// for it). Found by probing: <c>--urls https://127.0.0.1:8443</c> with neither loaded the scenario, then died as
    /// Kestrel started (185 lines, exit code 134). With <c>Kestrel:Endpoints</c> set, Kestrel listens where those say.
    /// </summary>
    public static string? HttpsRefusal(IConfiguration configuration, string setting, string? https, Func<bool> developmentCertificate)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(developmentCertificate);
        if (https is null || configuration.GetSection("Kestrel:Endpoints").Exists() || configuration.GetSection("Kestrel:Certificates:Default").Exists() || developmentCertificate())
        {
            return null;
        }

        return $"the silo did not start: {setting} '{https}' is https, and no certificate is configured: give one "
            + "(Kestrel:Certificates:Default:Path, with :KeyPath or :Password), create the development certificate "
            + "(dotnet dev-certs https), or listen on http";
    }

    private static string[] Entries(string list) => list.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static bool IsHttps(string url) => url.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    // Kestrel's own look-up: a certificate of the user's store carrying ASP.NET Core's development certificate extension,
    // valid now, with its private key.
    private static bool HasDevelopmentCertificate()
    {
        const string DevelopmentCertificateOid = "1.3.6.1.4.1.311.84.1.1";
        try
        {
            using var store = new X509Store(StoreName.My, StoreLocation.CurrentUser);
            store.Open(OpenFlags.ReadOnly);
            var now = DateTime.Now;
            var found = false;
            foreach (var certificate in store.Certificates)
            {
                found |= certificate.Extensions[DevelopmentCertificateOid] is not null && certificate.NotBefore <= now && now <= certificate.NotAfter && certificate.HasPrivateKey;
                certificate.Dispose();
            }

            return found;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>
    /// Why <paramref name="ports"/> (ports separated by ';', as Kestrel reads <c>HTTP_PORTS</c> and <c>HTTPS_PORTS</c>)
    /// cannot be listened on, naming <paramref name="setting"/>, or null. Port 0 is taken: Kestrel listens on a port the
    /// kernel picks, and logs it.
    /// </summary>
    public static string? PortsRefusal(string ports, string setting)
    {
        ArgumentNullException.ThrowIfNull(ports);
        var entries = ports.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var port in entries)
        {
            if (PortFault(port) is { } fault)
            {
                return entries.Length == 1
                    ? $"the silo did not start: {setting} '{ports}' {fault}"
                    : $"the silo did not start: {setting} '{ports}': '{port}' {fault}";
            }
        }

        return null;
    }

    /// <summary>
    /// Why <paramref name="urls"/> (addresses separated by ';') cannot be listened on, naming <paramref name="setting"/>,
    /// or null; a host name is looked up with <paramref name="resolve"/>.
    /// </summary>
    public static string? Refusal(string urls, string setting, Func<string, IPAddress[]> resolve)
    {
        ArgumentNullException.ThrowIfNull(urls);
        ArgumentNullException.ThrowIfNull(resolve);
        foreach (var url in Entries(urls))
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

    // The same for a port setting: the command line's, the environment variable holding the value read (with the host's
    // prefixes or without), or configuration's own.
    private static string PortsSetting(string key, string value, IReadOnlyList<string> args) =>
        args.Any(a => a.StartsWith($"--{key}", StringComparison.OrdinalIgnoreCase) || a.StartsWith($"/{key}", StringComparison.OrdinalIgnoreCase)) ? $"--{key}"
        : new[] { "ASPNETCORE_", "DOTNET_", string.Empty }.Select(prefix => prefix + key.ToUpperInvariant())
            .FirstOrDefault(name => Environment.GetEnvironmentVariable(name) == value) ?? key;

    // The address Kestrel makes of each port, read as it reads it: what follows the last ':' is the port only when it is
    // a number, and is otherwise left in the host (so that "abc" would listen on *:80).
    private static string? PortFault(string port)
    {
        try
        {
            var binding = BindingAddress.Parse($"http://*:{port}");
            if (binding.Host != "*" || binding.PathBase.Length > 0)
            {
                return $"is not a port ({PortForm})";
            }

            return binding.Port is < 0 or > IPEndPoint.MaxPort
                ? $"is out of range (0 to {IPEndPoint.MaxPort.ToString(CultureInfo.InvariantCulture)})"
                : null;
        }
        catch (FormatException)
        {
            return $"is not a port ({PortForm})";
        }
    }
}
