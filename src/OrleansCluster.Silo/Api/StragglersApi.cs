using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Silo.Api.OpenApi;

namespace OrleansCluster.Silo.Api;

/// <summary>
/// <c>GET /api/stragglers?top=N</c>: the last step's straggler report. Where the job has stepped but evaluated no step
/// since its tree was laid out (a silo joined or left, the job came back on another silo), the report is not known
/// yet: 503 problem details with <c>Retry-After</c>, not an empty report. Found by probing: for ~60 s while a large
/// scenario was laid out again the route answered <c>{"step":0,"nodes":[]}</c> beside <c>/api/cluster</c>'s step 151,
/// which reads as "no stragglers". A paused or stopped job keeps its last report in its record, so one taken over by
/// another silo answers it (until fix-failover it answered 503 until resumed); a running one keeps none. The kept report
/// holds at most the scenario's top-K of each list and counts the rest (<c>KeptStragglerReport</c>).
/// </summary>
public static class StragglersApi
{
    /// <summary>Seconds a client is asked to wait for a report not known yet (about a step at realtime pace).</summary>
    public const int RetryAfterSeconds = 2;

    public static RouteGroupBuilder MapStragglersApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapGet("/stragglers", GetAsync).WithTags("Stragglers").WithName("GetStragglers")
            .WithSummary("The last step evaluated (with `failure` when it failed, as every step does through a partition): its slowest nodes (slowest first), links with their stretch (a link down under a partition: `up` false, bandwidth 0, stretch null), and stragglers by site and generation. 503 with Retry-After while no step has been evaluated since the job's tree was laid out (a paused or stopped job keeps its last report across a failover, with at most the scenario's `stragglers.topK` links, sites and generations, the worst, and `linksLeftOut`, `sitesLeftOut`, `generationsLeftOut` counting the rest: 0 in a live report, which lists every one).")
            .WithIntegerQuery("top", 1, 1000, 20)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return api;
    }

    public static async Task<Results<Ok<StragglerReport>, ValidationProblem, ProblemHttpResult>> GetAsync(HttpContext context, IGrainFactory grains, string? top)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(grains);
        var errors = new List<FieldError>();
        var n = Query.Int(top, "top", 20, 1, 1000, errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var job = grains.GetGrain<IJobGrain>(IJobGrain.Key);
        if (await job.GetStragglersAsync(n) is { } report)
        {
            return TypedResults.Ok(report);
        }

        // No step evaluated on this layout. Before the run's first step (or with no scenario) there is none to report.
        var status = (await job.GetStatusAsync()).Job;
        if (status.Step == 0)
        {
            return TypedResults.Ok(new StragglerReport(0, [], [], [], []));
        }

        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        var next = status.State == JobState.Running ? "it comes with the job's next step" : $"it comes with the first step after the job is resumed or started (the job is {status.State.ToString().ToLowerInvariant()})";
        return TypedResults.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Straggler report not known yet",
            detail: $"the job is at step {status.Step}, but no step has been evaluated since its tree was laid out (a silo joined or left, or the job moved to another silo): {next}; retry after {RetryAfterSeconds} s");
    }
}
