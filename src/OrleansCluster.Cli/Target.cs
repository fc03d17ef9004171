using System.Net;
using System.Net.Http.Headers;

namespace OrleansCluster.Cli;

/// <summary>
/// A running silo's HTTP endpoint and admin key. Load is only ever sent to loopback addresses: this tool
/// drives simulators on the machine it runs on.
/// </summary>
public sealed record Target(Uri BaseAddress, string? Key)
{
    /// <summary>How long a client's HTTP call may take, unless a command sets its own.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long each HTTP call of the clients made for the target may take: set here, not on a client, so that a call
    /// that runs out of it names the timeout it ran out of.
    /// </summary>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    /// <summary>The target, or an error when the address is not a loopback one.</summary>
    public static Target Parse(string url, string? key)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"'{url}' is not an http(s) URL", nameof(url));
        }

        var loopback = uri.IsLoopback || (IPAddress.TryParse(uri.Host, out var address) && IPAddress.IsLoopback(address));
        if (!loopback)
        {
            throw new ArgumentException($"'{url}' is not a loopback address: load is only sent to 127.0.0.0/8 or localhost", nameof(url));
        }

        return new Target(uri, key ?? Environment.GetEnvironmentVariable(SiloApi.KeyVariable));
    }

    /// <summary>
    /// An HTTP client for the target (with the key, when there is one), whose calls that get no answer name themselves
    /// and their cause (<see cref="NamedCallHandler"/>).
    /// </summary>
    public HttpClient CreateClient(HttpMessageHandler? handler = null)
    {
        var client = new HttpClient(new NamedCallHandler(handler ?? new HttpClientHandler(), ownsInner: handler is null, Timeout));
        client.BaseAddress = BaseAddress;
        client.Timeout = Timeout;
        if (Key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        }

        return client;
    }
}
