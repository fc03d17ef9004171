using Microsoft.Extensions.Options;
using OrleansCluster.Grains;
using Microsoft.AspNetCore.Http.HttpResults;
using OrleansCluster.Abstractions.Api;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Silo.Api.OpenApi;

namespace OrleansCluster.Silo.Api;

/// <summary>
/// <c>/api/job</c>: start, pause, resume, stop, and the pace; each takes effect at the next step. Also the
/// job's recent steps with the wall time each took, which is what a load test reads.
/// </summary>
public static class JobApi
{
    public static RouteGroupBuilder MapJobApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var job = api.MapGroup("/job").WithTags("Job").WithAdminMutation();
        job.MapPost("/start", StartAsync).WithName("StartJob").WithSummary("Start the job (a stopped job runs its scenario again from step 1; a paused one resumes).")
            .ProducesProblem(StatusCodes.Status409Conflict);
        job.MapPost("/pause", PauseAsync).WithName("PauseJob").WithSummary("Pause after the step in flight (409 for a stopped job).")
            .ProducesProblem(StatusCodes.Status409Conflict);
        job.MapPost("/resume", ResumeAsync).WithName("ResumeJob").WithSummary("Resume a paused job (409 for a stopped one: start it).")
            .ProducesProblem(StatusCodes.Status409Conflict);
        job.MapPost("/stop", StopAsync).WithName("StopJob").WithSummary("Stop the job.");
        job.MapPut("/pace", SetPaceAsync).WithName("SetPace").WithSummary("Set the pace: {mode: realtime or max, speed}.")
            .WithJsonBody<PaceBody>();
        var kept = ((IEndpointRouteBuilder)api).ServiceProvider.GetRequiredService<IOptions<SimulationTuning>>().Value.HistoryCapacity;
        api.MapGet("/job/steps", GetStepsAsync).WithTags("Job").WithName("GetRecentSteps")
            .WithSummary($"The job's most recent steps (count from 1 to the {kept} it keeps, Simulation:HistoryCapacity; default 100), oldest first: outcome, T_step, its breakdown and wall time.")
            .WithIntegerQuery("count", 1, kept, 100);
        return api;
    }

    public static Task<Results<Ok<JobStatus>, ProblemHttpResult>> StartAsync(IGrainFactory grains) => UnlessConflictAsync(grains, JobControl.Start);

    public static Task<Results<Ok<JobStatus>, ProblemHttpResult>> PauseAsync(IGrainFactory grains) => UnlessConflictAsync(grains, JobControl.Pause);

    public static Task<Results<Ok<JobStatus>, ProblemHttpResult>> ResumeAsync(IGrainFactory grains) => UnlessConflictAsync(grains, JobControl.Resume);

    public static Task<Ok<JobStatus>> StopAsync(IGrainFactory grains) => ThenStatusAsync(grains, JobControl.Stop);

    public static async Task<Results<Ok<JobStatus>, ValidationProblem, ProblemHttpResult>> SetPaceAsync(HttpContext context, IGrainFactory grains)
    {
        var (body, problem) = await JsonBody.ReadAsync<PaceBody>(context);
        if (body is null)
        {
            return problem switch
            {
                ValidationProblem v => v,
                ProblemHttpResult p => p,
                _ => throw new InvalidOperationException("unexpected problem"),
            };
        }

        var errors = new List<FieldError>();
        // Exactly one of the two wire names, case and all, as fault kinds and what-if objectives are matched: not the
        // enum parser's reading, which took "realtime, max" as a flags value, " max " trimmed and "1" as a number.
        var mode = body.Mode switch
        {
            "realtime" => PaceMode.Realtime,
            "max" => PaceMode.Max,
            _ => (PaceMode?)null,
        };
        if (mode is null)
        {
            errors.Add(new FieldError("mode", body.Mode is null ? "required: realtime or max" : $"'{body.Mode}' must be realtime or max (lower case)"));
        }

        var speed = body.Speed ?? 1;
        if (PaceSettings.SpeedError(speed) is { } speedError)
        {
            errors.Add(new FieldError("speed", speedError));
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        return await ThenStatusAsync(grains, JobControl.SetPace, new PaceSettings(mode!.Value, speed));
    }

    public static async Task<Results<Ok<IReadOnlyList<StepRecord>>, ValidationProblem>> GetStepsAsync(IGrainFactory grains, IOptions<SimulationTuning> tuning, string? count)
    {
        ArgumentNullException.ThrowIfNull(tuning);
        var errors = new List<FieldError>();
        var n = Query.Int(count, "count", 100, 1, tuning.Value.HistoryCapacity, errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        return TypedResults.Ok(await Job(grains).GetRecentStepsAsync(n));
    }

    private static IJobGrain Job(IGrainFactory grains) => grains.GetGrain<IJobGrain>(IJobGrain.Key);

    // The call, and the job's status as it left it; 409 when the job's state does not allow it (nothing changed).
    private static async Task<Results<Ok<JobStatus>, ProblemHttpResult>> UnlessConflictAsync(IGrainFactory grains, JobControl control)
    {
        try
        {
            return await ThenStatusAsync(grains, control);
        }
        catch (InvalidOperationException e)
        {
            return Problems.Conflict(e.Message);
        }
    }

    private static async Task<Ok<JobStatus>> ThenStatusAsync(IGrainFactory grains, JobControl control, PaceSettings? pace = null) =>
        TypedResults.Ok(await Job(grains).ControlAsync(control, pace));
}
