using OrleansCluster.Silo.Extensions;

namespace OrleansCluster.Silo.Api;

/// <summary>The admin API under <c>/api</c>: every route needs the admin key; mutations are rate-limited and audited.</summary>
public static class AdminApi
{
    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api").RequireAuthorization(SecurityExtensions.AdminPolicy);
        api.MapClusterApi()
            .MapScenariosApi()
            .MapJobApi()
            .MapStragglersApi()
            .MapNodesApi()
            .MapLinksApi()
            .MapFaultsApi()
            .MapWhatIfApi();
        return routes;
    }

    /// <summary>
    /// Marks a group's routes as mutations: rate-limited per caller, written to the audit log, and answered 503
    /// with Retry-After when their durable write finds storage unavailable.
    /// </summary>
    public static RouteGroupBuilder WithAdminMutation(this RouteGroupBuilder group)
    {
        group.RequireRateLimiting(SecurityExtensions.MutationLimit).AddEndpointFilter<Audit>().AddEndpointFilter<StorageUnavailable>();
        return group;
    }
}
