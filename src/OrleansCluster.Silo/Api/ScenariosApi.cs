using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using OrleansCluster.Abstractions.Api;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains;
using OrleansCluster.Grains.Faults;
using OrleansCluster.Model.Scenarios;

namespace OrleansCluster.Silo.Api;

/// <summary><c>GET /api/scenarios</c> lists the presets; <c>PUT /api/scenario</c> loads one, or a full scenario, and restarts the job on it.</summary>
public static class ScenariosApi
{
    /// <summary>The name the load route's operation goes by.</summary>
    public const string LoadScenarioName = "LoadScenario";

    /// <summary>One of the bodies of <c>PUT /api/scenario</c>: a preset by name (the other is a whole scenario).</summary>
    public sealed record PresetBody(string Preset);

    public static RouteGroupBuilder MapScenariosApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapGet("/scenarios", ListPresets).WithTags("Scenarios").WithName("ListScenarios").WithSummary("The built-in presets.");
        api.MapGroup("/scenario").WithTags("Scenarios").WithAdminMutation()
            .MapPut("/", LoadAsync).WithName(LoadScenarioName).WithSummary("Load {\"preset\": NAME} or a full scenario object; the job restarts on it at its current pace.")
            .WithJsonBody<PresetBody>().ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    public static Ok<PresetSummary[]> ListPresets() =>
        TypedResults.Ok(ScenarioPresets.Names.Select(name =>
        {
            var s = ScenarioPresets.Load(name);
            return new PresetSummary(
                name,
                name == ScenarioPresets.Default,
                s.Sites.Select(x => x.Name).ToArray(),
                s.NodeCount,
                s.GpuCount,
                s.Sites.SelectMany(x => x.Nodes).Select(n => n.Generation.Name).Distinct().Order(StringComparer.Ordinal).ToArray(),
                s.Links.Count);
        }).ToArray());

    public static async Task<Results<Ok<ClusterStatus>, ValidationProblem, ProblemHttpResult>> LoadAsync(HttpContext context, IGrainFactory grains, IOptions<SimulationTuning> tuning, IOptions<FaultLimits> limits)
    {
        ArgumentNullException.ThrowIfNull(tuning);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(context);
        var (text, tooLarge) = await JsonBody.ReadTextAsync(context);
        if (tooLarge is not null)
        {
            return tooLarge;
        }

        // A field named twice would be settled silently by the parsers below (the last wins).
        if (JsonDuplicates.Find(text ?? string.Empty) is { } duplicate)
        {
            return JsonBody.Duplicate(duplicate);
        }

        ScenarioSource source;
        try
        {
            using var document = JsonDocument.Parse(text ?? string.Empty, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, AllowDuplicateProperties = false, MaxDepth = JsonBody.MaxDepth });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Problems.Validation("body", "a JSON object is required: {\"preset\": NAME} or a scenario");
            }

            if (root.TryGetProperty("preset", out var preset))
            {
                if (root.EnumerateObject().Count() > 1 || preset.ValueKind != JsonValueKind.String)
                {
                    return Problems.Validation("preset", "a preset is loaded as {\"preset\": NAME} alone");
                }

                source = ScenarioSource.FromPreset(preset.GetString()!);
            }
            else
            {
                source = ScenarioSource.FromJson(text!);
            }
        }
        catch (JsonException e)
        {
            return Problems.Validation("body", JsonBody.Describe(e, text ?? string.Empty)); // the document's syntax (or depth) only: its values are read below
        }

        // A preset and a whole scenario pass the same checks, the job grain's own, before the job lays a single node out.
        if (!ScenarioResolver.TryResolve(source, out var scenario, out var errors))
        {
            var fields = errors.Select(e => new FieldError(e.Field.Length == 0 ? "body" : e.Field, e.Message));
            return source.Preset is null ? Problems.Validation(fields) : Problems.NotFound(fields); // the shipped presets are valid: this one is unknown
        }

        if (ScenarioAdmission.Error(scenario, tuning.Value, limits.Value) is { } refused)
        {
            return Problems.Validation(refused.Field, refused.Message);
        }

        // One call: loads sent together each answer with their own scenario (found by probing, when it was three).
        var job = grains.GetGrain<IJobGrain>(IJobGrain.Key);
        var before = await job.GetScenarioSourceAsync();
        try
        {
            return TypedResults.Ok(await job.LoadAndStartAsync(source));
        }
        catch (Exception e) when (StorageUnavailable.IsStorageFailure(e))
        {
            // Taken: the job is on this scenario under a later epoch than before (its layout began once its record
            // was written), or on it where it was on another; a reload of the same scenario whose record was refused
            // leaves both as they were.
            if (await ScenarioAsync(job) is not { } after || after.Source != source || (before.Source == source && after.Epoch == before.Epoch))
            {
                throw; // not taken: the filter's 503 says so
            }

            // Found by review: the job's record was written (it names the new scenario, stopped) but the new run's
            // layout was not (the fault registry's write failed), and the generic 503 said the load was not made.
            context.Response.Headers.RetryAfter = StorageUnavailable.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            return TypedResults.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "Storage unavailable",
                detail: $"the job took the scenario and is stopped on it (GET /api/scenario), but its run could not be written to durable storage ({e.GetBaseException().GetType().Name}); retry the load, or POST /api/job/start, after {StorageUnavailable.RetryAfterSeconds} s");
        }
    }

    // The job's scenario and epoch now; null when it cannot say.
    private static async Task<(ScenarioSource? Source, long Epoch)?> ScenarioAsync(IJobGrain job)
    {
        try
        {
            return await job.GetScenarioSourceAsync();
        }
        catch (Exception e) when (e is TimeoutException or OrleansException)
        {
            return null;
        }
    }
}
