using OrleansCluster.Abstractions.Api;
using OrleansCluster.Silo.Api.OpenApi;
using Scalar.AspNetCore;

namespace OrleansCluster.Silo.Extensions;

/// <summary>What every endpoint shares: RFC 9457 problem details and camelCase JSON with enums as names.</summary>
internal static class ApiExtensions
{
    public static WebApplicationBuilder AddApiDefaults(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer<AdminKeySecurity>();
            options.AddOperationTransformer<QueryParameterTypes>();
            options.AddOperationTransformer<ScenarioBodySchema>();
            options.AddSchemaTransformer<RequestNumbers>();
        });
        builder.Services.ConfigureHttpJsonOptions(options => ApiJson.Configure(options.SerializerOptions));
        return builder;
    }

    /// <summary>The OpenAPI document at <c>/openapi/v1.json</c> and an interactive page at <c>/scalar</c>, both open.</summary>
    public static WebApplication MapApiDocuments(this WebApplication app)
    {
        app.MapOpenApi();
        app.MapScalarApiReference();
        return app;
    }
}
