using Microsoft.AspNetCore.Http.HttpResults;
using OrleansCluster.Abstractions.Api;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Silo.Api.OpenApi;

namespace OrleansCluster.Silo.Api;

/// <summary>
/// <c>/api/faults</c>: inject (one fault, or a campaign of faults with start offsets, as one call), list,
/// read, clear one, clear all. Faults are validated by the registry against the running scenario; nothing
/// is injected when anything is wrong.
/// </summary>
public static class FaultsApi
{
    /// <summary>Most faults one page of the list holds (and the page size when only a page is asked for; with neither, the list is whole).</summary>
    public const int MaxPageSize = 1000;

    /// <summary>Most node ids a fault's targets list in <c>GET /api/faults</c> and a node's faults (<c>allNodes=true</c> lists all).</summary>
    public const int ListedNodes = 100;

    public static RouteGroupBuilder MapFaultsApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var faults = api.MapGroup("/faults").WithTags("Faults");
        faults.MapGet("/", ListAsync).WithName("ListFaults")
            .WithSummary("Faults pending and in force (all=true adds the ended ones: the ground truth, background failures included), as a JSON array; since=ISO time keeps those in force at or after it; campaign=NAME those a campaign of that name made; a fault's targets list its first 100 nodes with nodeCount when it has more (allNodes=true lists them all); page and pageSize cut it into pages (X-Total-Count gives the count before paging).")
            .WithBooleanQuery("all", false)
            .WithBooleanQuery("allNodes", false)
            .WithIntegerQuery("page", 1, int.MaxValue, 1)
            .WithIntegerQuery("pageSize", 1, MaxPageSize, MaxPageSize);
        faults.MapGet("/{id}", GetAsync).WithName("GetFault").WithSummary("One fault, in force or ended.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        // Each handler takes its place with the registry (RegistryAdmission) once it has read and checked its request.
        var mutations = faults.MapGroup("/").WithAdminMutation();
        mutations.MapPost("/", InjectAsync).WithName("InjectFault").WithSummary("Inject a fault: {kind, target, params, startInSeconds?, durationSeconds?}; once per Idempotency-Key header.")
            .WithJsonBody<FaultRequest>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status410Gone).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        mutations.MapPost("/campaign", InjectCampaignAsync).WithName("InjectCampaign").WithSummary("Inject a campaign {name, faults: [...]}: every fault or none; once per Idempotency-Key header.")
            .WithJsonBody<FaultCampaign>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status410Gone).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        mutations.MapDelete("/{id}", ClearAsync).WithName("ClearFault").WithSummary("Clear one fault; one that has already ended (expired or cleared) answers 200 as it ended.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        mutations.MapDelete("/", ClearAllAsync).WithName("ClearAllFaults")
            .WithSummary("Clear every fault (campaign=NAME: only those a campaign of that name made, the campaign's Location header); any other query parameter is 400 and clears nothing.")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    public static async Task<Results<Created<Fault>, ValidationProblem, ProblemHttpResult>> InjectAsync(HttpContext context, IGrainFactory grains)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (request, problem) = await JsonBody.ReadAsync<FaultRequest>(context);
        if (request is null)
        {
            return Unpack<Fault>(problem!);
        }

        if (Idempotency.ReadKey(context) is { Problem: { } badKey })
        {
            return badKey;
        }

        using var lease = await RegistryAdmission.EnterAsync(context);
        if (!lease.IsAcquired)
        {
            return RegistryAdmission.Busy(context);
        }

        var result = await InjectOrReplayAsync(context, grains, [request], campaign: null);
        if (result.Errors.Count > 0)
        {
            return Refusal<Fault>(result);
        }

        if (Lost(result, 1) is { } lost)
        {
            return lost;
        }

        var fault = result.Faults[0];
        return TypedResults.Created($"/api/faults/{fault.Id}", fault);
    }

    public static async Task<Results<Created<CampaignResult>, ValidationProblem, ProblemHttpResult>> InjectCampaignAsync(HttpContext context, IGrainFactory grains)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (campaign, problem) = await JsonBody.ReadAsync<FaultCampaign>(context);
        if (campaign is null)
        {
            return Unpack<CampaignResult>(problem!);
        }

        if (string.IsNullOrWhiteSpace(campaign.Name))
        {
            return Problems.Validation("name", "required");
        }

        // A scenario's name rule: the name is logged with each fault and echoed in the Location header.
        if (!ScenarioLoader.IsValidName(campaign.Name))
        {
            return Problems.Validation("name", $"{campaign.Name.Length} character(s): must be 1-64 characters of a-z, A-Z, 0-9, '-', '_' or '.', starting with a letter or digit");
        }

        if (campaign.Faults is not { Count: > 0 })
        {
            return Problems.Validation("faults", "at least one fault is required");
        }

        if (Idempotency.ReadKey(context) is { Problem: { } badKey })
        {
            return badKey;
        }

        using var lease = await RegistryAdmission.EnterAsync(context);
        if (!lease.IsAcquired)
        {
            return RegistryAdmission.Busy(context);
        }

        var result = await InjectOrReplayAsync(context, grains, campaign.Faults, campaign.Name);
        if (result.Errors.Count > 0)
        {
            return Refusal<CampaignResult>(result);
        }

        if (Lost(result, campaign.Faults.Count) is { } lost)
        {
            return lost;
        }

        return TypedResults.Created($"/api/faults?campaign={Uri.EscapeDataString(campaign.Name)}", new CampaignResult(campaign.Name, result.Faults));
    }

    public static async Task<Results<Ok<IReadOnlyList<Fault>>, ValidationProblem>> ListAsync(
        HttpContext context, IGrainFactory grains, string? all, string? since, string? campaign, string? page, string? pageSize, string? allNodes)
    {
        ArgumentNullException.ThrowIfNull(context);
        var errors = new List<FieldError>();
        if (campaign is { Length: 0 })
        {
            errors.Add(new FieldError("campaign", "a campaign's name, or leave it out"));
        }

        var includeEnded = Query.Bool(all, "all", false, errors);
        var everyNode = Query.Bool(allNodes, "allNodes", false, errors);
        var from = Query.Time(since, "since", errors);
        var number = Query.Int(page, "page", 1, 1, int.MaxValue, errors);
        var size = page is null && pageSize is null ? int.MaxValue : Query.Int(pageSize, "pageSize", MaxPageSize, 1, MaxPageSize, errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        // In force at or after `since`: not ended, or ended then or later.
        // Of the campaign named exactly (the name a campaign's Location header gives), when one is.
        var faults = (await Registry(grains).ListAsync(includeEnded))
            .Where(f => from is not { } t || f.EndsAt is null || f.EndsAt >= t)
            .Where(f => campaign is null || string.Equals(f.Campaign, campaign, StringComparison.Ordinal))
            .ToArray();
        context.Response.Headers["X-Total-Count"] = faults.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var listed = faults.Skip((int)Math.Min(int.MaxValue, (number - 1L) * size)).Take(size);
        return TypedResults.Ok<IReadOnlyList<Fault>>((everyNode ? listed : listed.Select(Listing)).ToArray());
    }

    /// <summary>
    /// A fault as a list shows it: its first <see cref="ListedNodes"/> nodes and their count (found by probing: a
    /// site's nodes in every fault made the list 62.7 MB at 100 site-wide faults, polled each second by the page).
    /// </summary>
    public static Fault Listing(Fault fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        return fault.Targets.Nodes.Count <= ListedNodes ? fault : fault with { Targets = fault.Targets.Listing(ListedNodes) };
    }

    public static async Task<Results<Ok<Fault>, ProblemHttpResult>> GetAsync(string id, IGrainFactory grains) =>
        await Registry(grains).GetAsync(id) is { } fault ? TypedResults.Ok(fault) : Problems.NotFound("id", $"no fault '{id}'");

    /// <summary>
    /// Clears one fault. A fault that has already ended (expired, or cleared before) answers as it ended rather than
    /// 404: a DELETE that races the fault's expiry, or one sent again, finds what it asked for done, and a client reads
    /// 404 as "never existed" (found by probing: 75 of 120 DELETEs of 3 s faults, sent 1.3 s after injection, were 404).
    /// Only an id the registry does not know, or whose fault has left its bounded history of ended ones, is 404.
    /// </summary>
    public static async Task<Results<Ok<Fault>, ProblemHttpResult>> ClearAsync(HttpContext context, string id, IGrainFactory grains)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var lease = await RegistryAdmission.EnterAsync(context);
        if (!lease.IsAcquired)
        {
            return RegistryAdmission.Busy(context);
        }

        var registry = Registry(grains);
        if (await registry.ClearAsync(id) is { } cleared)
        {
            return TypedResults.Ok(cleared);
        }

        // The same read as GET /api/faults/{id}. Only an ended fault is answered: one that is pending or in force now
        // was injected after the clear found no such id, so this DELETE did not concern it.
        return await registry.GetAsync(id) is { State: FaultState.Expired or FaultState.Cleared } ended
            ? TypedResults.Ok(ended)
            : Problems.NotFound("id", $"no fault '{id}' (none is pending or in force, and none has ended with that id)");
    }

    /// <summary>
    /// Clears every fault, or with <c>campaign=NAME</c> those a campaign of that name made (what its <c>Location</c>
    /// header lists). Found by probing: the route ignored its query and matched a trailing slash, so a <c>DELETE</c> of a
    /// campaign's <c>Location</c>, of <c>?id=f-000001</c>, or of <c>/api/faults/</c> (a script's empty id) cleared every
    /// fault, other campaigns' and background failures included. Now another parameter is 400 naming it, and the
    /// trailing slash is 404 naming <c>id</c>; neither clears anything.
    /// </summary>
    public static async Task<Results<Ok<ClearedCount>, ValidationProblem, ProblemHttpResult>> ClearAllAsync(HttpContext context, IGrainFactory grains, string? campaign)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Request.Path.Value is { } path && path.EndsWith('/'))
        {
            return Problems.NotFound("id", "empty: DELETE /api/faults/{id} clears one fault, DELETE /api/faults (no trailing slash) every fault; nothing was cleared");
        }

        // Another parameter is refused before this runs (QueryNames, on every /api route); campaign's value is checked here.
        if (context.Request.Query.TryGetValue(nameof(campaign), out var values) && (values.Count != 1 || string.IsNullOrEmpty(values[0])))
        {
            return Problems.Validation(nameof(campaign), "one campaign's name (its Location header), or leave it out to clear every fault; nothing was cleared");
        }

        using var lease = await RegistryAdmission.EnterAsync(context);
        if (!lease.IsAcquired)
        {
            return RegistryAdmission.Busy(context);
        }

        var registry = Registry(grains);
        if (campaign is null)
        {
            return TypedResults.Ok(new ClearedCount(await registry.ClearAllAsync()));
        }

        // The campaign's faults pending or in force, as GET /api/faults?campaign=NAME lists them, cleared as one change
        // (one write): a clear that fails (503) clears none of them. Found by review: they were cleared one call and one
        // write each, seconds for a large campaign under load, and a reader could see half of it cleared. Counted as the
        // registry cleared them: one whose end had already passed is recorded expired, and is not counted.
        var cleared = await registry.ClearCampaignAsync(campaign);
        return TypedResults.Ok(new ClearedCount(cleared));
    }

    private static IFaultRegistryGrain Registry(IGrainFactory grains) => grains.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key);

    // Once per Idempotency-Key when the caller sent one; a replay is marked so that a client can tell.
    private static async Task<InjectionResult> InjectOrReplayAsync(HttpContext context, IGrainFactory grains, IReadOnlyList<FaultRequest> requests, string? campaign)
    {
        var key = Idempotency.ReadKey(context).Key;
        var result = key is null
            ? await Registry(grains).InjectAsync(requests, campaign)
            : await Registry(grains).InjectOnceAsync(requests, campaign, key);
        if (result.Replayed && result.Errors.Count == 0 && result.Faults.Count == requests.Count)
        {
            context.Response.Headers[Idempotency.ReplayedHeader] = "true";
        }

        return result;
    }

    // A replay answers the faults the key made as they are now; the registry keeps the ended ones in a bounded history,
    // so one that has left it cannot be answered. An injection makes every fault it asks or none, so a replay that
    // finds fewer than its requests is one whose faults (some or all) are gone: refused, never answered short.
    private static ProblemHttpResult? Lost(InjectionResult result, int made) =>
        result.Replayed && result.Faults.Count < made
            ? Problems.Gone([new FieldError(Idempotency.Header, $"the {made} fault(s) this key made have ended and {made - result.Faults.Count} of them have since left the history, so the first answer cannot be given again; use a new key to inject again")])
            : null;

    private static Results<Created<T>, ValidationProblem, ProblemHttpResult> Refusal<T>(InjectionResult result) => result switch
    {
        { Refusal: InjectionRefusal.NoScenario } => Problems.Conflict(result.Errors[0].Message), // as the other routes answer it
        { Refusal: not InjectionRefusal.None } => Problems.Unprocessable(result.Errors),
        { NotFound: true } => Problems.NotFound(result.Errors),
        _ => Problems.Validation(result.Errors),
    };

    private static Results<Created<T>, ValidationProblem, ProblemHttpResult> Unpack<T>(IResult problem) => problem switch
    {
        ValidationProblem validation => validation,
        ProblemHttpResult other => other,
        _ => throw new InvalidOperationException($"unexpected problem result {problem.GetType()}"),
    };
}
