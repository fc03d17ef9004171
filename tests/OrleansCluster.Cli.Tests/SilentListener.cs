using System.Net;
using System.Net.Sockets;

namespace OrleansCluster.Cli.Tests;

/// <summary>
/// A TCP listener on 127.0.0.1 that accepts every connection and never writes a byte: a silo that has stopped
/// answering, as the client sees it (the request is sent; no answer comes before the client's timeout).
/// </summary>
public sealed class SilentListener : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _held = [];
    private readonly Task _accepting;

    public SilentListener()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Connections accepted so far.</summary>
    public int Accepted
    {
        get
        {
            lock (_held)
            {
                return _held.Count;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await ((Task)_accepting).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        lock (_held)
        {
            foreach (var client in _held)
            {
                client.Dispose();
            }
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            // Held open, never read from nor written to, until the listener is disposed.
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            lock (_held)
            {
                _held.Add(client);
            }
        }
    }
}
