using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OrleansCluster.Cli.Tests;

/// <summary>
/// A TCP relay on 127.0.0.1 in front of a silo that dies as a killed silo does, as its clients see it: once a request
/// whose head holds <c>marker</c> has come <c>count</c> times, that request is not passed on, every connection is reset
/// and the port closed, so that later connections are refused. The silo behind it goes on, for the next test.
/// </summary>
public sealed class DyingRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _silo;
    private readonly byte[] _marker;
    private readonly int _count;
    private readonly List<Socket> _sockets = [];
    private readonly TaskCompletionSource _died = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _accepting;
    private int _seen;

    public DyingRelay(string siloUrl, string marker, int count)
    {
        _silo = new Uri(siloUrl).Port;
        _marker = Encoding.ASCII.GetBytes(marker);
        _count = count;
        _listener.Start();
        Url = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
        _accepting = AcceptAsync();
    }

    public string Url { get; }

    /// <summary>Completes when the relay has died.</summary>
    public Task Died => _died.Task;

    public async ValueTask DisposeAsync()
    {
        Die();
        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private void Die()
    {
        lock (_sockets)
        {
            if (_died.Task.IsCompleted)
            {
                return;
            }

            _listener.Stop();
            foreach (var socket in _sockets)
            {
                // Linger 0: the close is a reset, as the kernel answers for a killed process's connections.
                socket.LingerState = new LingerOption(true, 0);
                socket.Dispose();
            }

            _died.SetResult();
        }
    }

    private async Task AcceptAsync()
    {
        while (!_died.Task.IsCompleted)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }

            var silo = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            lock (_sockets)
            {
                if (_died.Task.IsCompleted)
                {
                    client.LingerState = new LingerOption(true, 0);
                    client.Dispose();
                    silo.Dispose();
                    return;
                }

                _sockets.Add(client);
                _sockets.Add(silo);
            }

            _ = RelayAsync(client, silo);
        }
    }

    private async Task RelayAsync(Socket client, Socket silo)
    {
        try
        {
            await silo.ConnectAsync(IPAddress.Loopback, _silo);
            await Task.WhenAll(PumpAsync(client, silo, watch: true), PumpAsync(silo, client, watch: false));
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The relay died, or one side closed.
        }
    }

    private async Task PumpAsync(Socket from, Socket to, bool watch)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var read = await from.ReceiveAsync(buffer.AsMemory(), SocketFlags.None);
            if (read == 0)
            {
                to.Shutdown(SocketShutdown.Send);
                return;
            }

            if (watch && Occurrences(buffer.AsSpan(0, read)) is > 0 and var n && Interlocked.Add(ref _seen, n) >= _count)
            {
                Die();
                return;
            }

            await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
        }
    }

    private int Occurrences(ReadOnlySpan<byte> data)
    {
        var n = 0;
        int at;
        while ((at = data.IndexOf(_marker)) >= 0)
        {
            n++;
            data = data[(at + _marker.Length)..];
        }

        return n;
    }
}
