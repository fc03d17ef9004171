using System.Net.Sockets;

namespace OrleansCluster.Cli.Tests;

/// <summary>
/// A handler in front of a silo's own that makes calls to one path get no HTTP answer, as a cut connection does
/// (an <see cref="HttpRequestException"/> with no status): the next <see cref="Drop"/> calls, or every one once
/// <see cref="DropAll"/> is set. Calls to other paths, and the rest, pass.
/// </summary>
public sealed class UnansweredCalls(HttpMessageHandler silo, string path) : DelegatingHandler(silo)
{
    private readonly Lock _gate = new();
    private int _toDrop;
    private int _dropped;
    private bool _all;

    /// <summary>Calls to the path that got no answer so far.</summary>
    public int Dropped
    {
        get
        {
            lock (_gate)
            {
                return _dropped;
            }
        }
    }

    /// <summary>The next <paramref name="count"/> calls to the path get no answer.</summary>
    public void Drop(int count)
    {
        lock (_gate)
        {
            _toDrop += count;
        }
    }

    /// <summary>From now on, no call to the path gets an answer.</summary>
    public void DropAll()
    {
        lock (_gate)
        {
            _all = true;
        }
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.RequestUri?.AbsolutePath == path && TakeDrop()
            ? Task.FromException<HttpResponseMessage>(new HttpRequestException(HttpRequestError.ConnectionError, "An error occurred while sending the request.", new SocketException((int)SocketError.ConnectionReset)))
            : base.SendAsync(request, cancellationToken);
    }

    private bool TakeDrop()
    {
        lock (_gate)
        {
            if (!_all && _toDrop == 0)
            {
                return false;
            }

            _toDrop = Math.Max(0, _toDrop - 1);
            _dropped++;
            return true;
        }
    }
}
