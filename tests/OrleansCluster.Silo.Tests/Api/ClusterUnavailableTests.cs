using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansCluster.Silo.Api;

namespace OrleansCluster.Silo.Tests.Api;

/// <summary>
/// The filter on every <c>/api</c> route that turns a grain call lost with a silo into 503 problem details (the
/// failover test sees it with a real SIGKILL; here each kind of failure is checked on its own).
/// </summary>
public sealed class ClusterUnavailableTests
{
    private readonly ClusterUnavailable _filter = new(NullLogger<ClusterUnavailable>.Instance);

    [Fact]
    public async Task ACallToASiloThatHasDiedIs503WithTheShortRetryAfterAndWarnsThatAChangeMayHaveBeenMade()
    {
        var (context, result) = await RunAsync(HttpMethods.Post, new AggregateException(new SiloUnavailableException("silo S127.0.0.1:1:1 is dead")));

        var problem = Assert.IsType<ProblemHttpResult>(result);
        Assert.Equal((503, "Cluster unavailable"), (problem.StatusCode, problem.ProblemDetails.Title));
        Assert.Contains("SiloUnavailableException", problem.ProblemDetails.Detail, StringComparison.Ordinal);
        Assert.Contains("may or may not have been made", problem.ProblemDetails.Detail, StringComparison.Ordinal);
        Assert.Equal("2", context.Response.Headers.RetryAfter.ToString());
    }

    [Fact]
    public async Task AGrainCallThatTimedOutIs503WithItsOwnTitleAndALongerWait()
    {
        var (context, result) = await RunAsync(HttpMethods.Get, new TimeoutException("Response did not arrive on time"));

        var problem = Assert.IsType<ProblemHttpResult>(result);
        Assert.Equal((503, "Grain call timed out"), (problem.StatusCode, problem.ProblemDetails.Title));
        Assert.DoesNotContain("may or may not", problem.ProblemDetails.Detail, StringComparison.Ordinal); // a read changes nothing
        Assert.Equal("10", context.Response.Headers.RetryAfter.ToString());
    }

    [Fact]
    public async Task AnyOtherFailureIsNotDressedUpAsUnavailability()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => RunAsync(HttpMethods.Get, new InvalidOperationException("a defect")));
    }

    private async Task<(HttpContext Context, object? Result)> RunAsync(string method, Exception failure)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = "/api/cluster";
        var result = await _filter.InvokeAsync(EndpointFilterInvocationContext.Create(context), _ => throw failure);
        return (context, result);
    }
}
