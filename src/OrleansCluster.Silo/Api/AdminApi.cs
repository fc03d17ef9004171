using OrleansCluster.Silo.Extensions;

namespace OrleansCluster.Silo.Api;

/// <summary>
/// The admin API under <c>/api</c>: every route needs the admin key; mutations are rate-limited and audited
/// (<c>POST /api/whatif</c> is a read with a body, bounded by its own concurrency limit: docs/admin-api.md).
/// </summary>
public static class AdminApi
{
    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api").RequireAuthorization(SecurityExtensions.AdminPolicy)
            // One audit line per mutation (the routes WithAdminMutation marks), whatever answers it: outside the refusals.
            .AddEndpointFilter<Audit>()
            // 400 naming a query parameter the route does not take (every route: one that takes none refuses any).
            .RefuseUnknownQueryParameters()
            .ProducesValidationProblem()
            // 401 without the right key; 429 for a caller past its wrong keys (or, on a mutation, past its rate).
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            // 503 with Retry-After for the second or so after a silo dies, until the cluster places its grains again.
            .AddEndpointFilter<ClusterUnavailable>()
            // 503 too for a read the fault registry refuses while it cannot read its state back (WriteUnsettledException).
            .AddEndpointFilter<StorageUnavailable>()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.AnswerHeadAsGet();
        api.MapClusterApi()
            .MapScenariosApi()
            .MapScenarioSourceApi()
            .MapJobApi()
            .MapStragglersApi()
            .MapNodesApi()
            .MapLinksApi()
            .MapFaultsApi()
            .MapWhatIfApi();
        return routes;
    }

    /// <summary>
    /// Lets every GET route of the group answer HEAD too, with the GET's status and headers and no body (the server
    /// drops a HEAD's body: Kestrel writes none), as RFC 9110 9.3.2 asks of a server that supports GET. Found by
    /// review: HEAD on the read routes answered 405. Mutations keep their one method. The OpenAPI document lists the
    /// GETs alone (<see cref="IsHead"/>).
    /// </summary>
    public static RouteGroupBuilder AnswerHeadAsGet(this RouteGroupBuilder group)
    {
        ArgumentNullException.ThrowIfNull(group);
        ((IEndpointConventionBuilder)group).Add(endpoint =>
        {
            // Routing reads the last method metadata; a GET route's is the one its MapGet gave it.
            if (endpoint.Metadata.OfType<IHttpMethodMetadata>().LastOrDefault() is { } methods
                && methods.HttpMethods.Contains(HttpMethods.Get, StringComparer.OrdinalIgnoreCase)
                && !methods.HttpMethods.Contains(HttpMethods.Head, StringComparer.OrdinalIgnoreCase))
            {
                endpoint.Metadata.Add(new HttpMethodMetadata([.. methods.HttpMethods, HttpMethods.Head], methods.AcceptCorsPreflight));
            }
        });
        return group;
    }

    /// <summary>Whether an API description is the HEAD twin of a GET route, which the OpenAPI document leaves out.</summary>
    public static bool IsHead(string? method) => method is not null && HttpMethods.IsHead(method);

    /// <summary>
    /// Marks a group's routes as mutations: rate-limited per admin key (SecurityExtensions), written to the audit log, and answered 503
    /// with Retry-After when their durable write finds storage unavailable.
    /// </summary>
    public static RouteGroupBuilder WithAdminMutation(this RouteGroupBuilder group)
    {
        group.RequireRateLimiting(SecurityExtensions.MutationLimit).WithMetadata(AuditedMutation.Instance).AddEndpointFilter<StorageUnavailable>()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return group;
    }

    /// <summary>
    /// Declares a route's JSON body as <typeparamref name="T"/> for the OpenAPI document (the handler still reads it
    /// itself through <see cref="JsonBody"/>, strictly), with the 400 and 413 that reading it may answer.
    /// </summary>
    public static RouteHandlerBuilder WithJsonBody<T>(this RouteHandlerBuilder route)
        where T : notnull =>
        route.Accepts<T>("application/json").ProducesValidationProblem().ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
}
