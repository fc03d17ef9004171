using System.Globalization;

namespace OrleansCluster.Cli;

/// <summary>
/// Names the call in the error of one that got no HTTP answer: <c>POST http://127.0.0.1:8080/api/whatif: Connection
/// reset by peer</c>, where HttpClient's own message is often <c>An error occurred while sending the request.</c>,
/// naming neither the address nor the cause (found with a silo killed during a what-if). Every client the CLI makes
/// for a target sends through it (<see cref="Target.CreateClient"/>), so every command's "could not run" line and every
/// counted failure carries the call. The status code and <see cref="HttpRequestError"/> are kept. A call cut by the
/// client's <paramref name="timeout"/> is a <see cref="NoAnswerException"/> naming the call and the timeout, under
/// HttpClient's own (whose message was <c>The operation was canceled.</c>).
/// </summary>
internal sealed class NamedCallHandler(HttpMessageHandler inner, bool ownsInner, TimeSpan timeout) : DelegatingHandler(inner)
{
    /// <summary>The innermost message under <paramref name="e"/>: the cause (<c>Connection refused</c>) rather than its wrappers.</summary>
    public static string Cause(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        while (e.InnerException is { } inner)
        {
            e = inner;
        }

        return e.Message;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await base.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new HttpRequestException(e.HttpRequestError, $"{request.Method} {request.RequestUri}: {Cause(e)}", e, e.StatusCode);
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
        {
            // The client's timeout or the run's own cancellation, which this handler cannot tell apart: HttpClient
            // rethrows the latter as it is (and no one prints it), the former as a TaskCanceledException over this one.
            throw new NoAnswerException(
                string.Create(CultureInfo.InvariantCulture, $"no answer from {request.Method} {request.RequestUri} within {timeout.TotalSeconds:0.###} s: is it running there, and not stuck?"),
                e,
                cancellationToken);
        }
    }

    // A handler a test passes in is the test's to dispose.
    protected override void Dispose(bool disposing) => base.Dispose(disposing && ownsInner);
}
