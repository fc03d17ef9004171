using Microsoft.AspNetCore.Http.HttpResults;
using OrleansCluster.Abstractions.Api;
using OrleansCluster.Silo.Api;
using OrleansCluster.Silo.Api.OpenApi;
using Scalar.AspNetCore;

namespace OrleansCluster.Silo.Extensions;

/// <summary>What every endpoint shares: RFC 9457 problem details and camelCase JSON with enums as names.</summary>
internal static class ApiExtensions
{
    public static WebApplicationBuilder AddApiDefaults(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = NameTheContentType);
        builder.Services.AddOpenApi(options =>
        {
            // A GET route answers HEAD too (AdminApi.AnswerHeadAsGet); the document lists its GET alone, as HEAD is
            // implied by GET (RFC 9110 9.3.2) and a second operation would repeat its operationId.
            var include = options.ShouldInclude;
            options.ShouldInclude = description => !AdminApi.IsHead(description.HttpMethod) && include(description);
            options.AddDocumentTransformer<AdminKeySecurity>();
            options.AddOperationTransformer<QueryParameterTypes>();
            options.AddOperationTransformer<ScenarioBodySchema>();
            options.AddSchemaTransformer<RequestNumbers>();
        });
        builder.Services.ConfigureHttpJsonOptions(options => ApiJson.Configure(options.SerializerOptions));
        return builder;
    }

    // Routing answers 415 itself for a body whose Content-Type a route does not accept (JSON routes declare theirs):
    // its problem gets the same errors map naming the field as every other refusal.
    private static void NameTheContentType(ProblemDetailsContext context)
    {
        if (context.ProblemDetails.Status == StatusCodes.Status415UnsupportedMediaType && !context.ProblemDetails.Extensions.ContainsKey("errors"))
        {
            var message = $"'{context.HttpContext.Request.ContentType}' is not JSON: send application/json";
            context.ProblemDetails.Detail ??= $"Content-Type: {message}";
            context.ProblemDetails.Extensions["errors"] = new Dictionary<string, string[]> { ["Content-Type"] = [message] };
        }
    }

    /// <summary>
    /// A body for an answer that has none: under <c>/api</c>, problem details whatever the request accepts, naming the
    /// method and path (and, for 405, the methods the path answers, as its <c>Allow</c> header does); elsewhere ASP.NET
    /// Core's own. Found by a newcomer's probe: <c>GET /api/clusters</c> (404) and <c>GET /api/job/pause</c> (405) were
    /// answered with a title alone, or plain text to a browser.
    /// </summary>
    public static WebApplication UseApiStatusCodePages(this WebApplication app)
    {
        var otherwise = new StatusCodePagesOptions().HandleAsync;
        app.UseStatusCodePages(new StatusCodePagesOptions
        {
            HandleAsync = context => context.HttpContext.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)
                && ApiProblem(context.HttpContext) is { } problem
                    ? problem.ExecuteAsync(context.HttpContext)
                    : otherwise(context),
        });
        return app;
    }

    private static ProblemHttpResult? ApiProblem(HttpContext context)
    {
        var (method, path, allow) = (context.Request.Method, context.Request.Path.Value, context.Response.Headers.Allow.ToString());
        return context.Response.StatusCode switch
        {
            StatusCodes.Status404NotFound => TypedResults.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "No such route",
                detail: $"no route answers {method} {path}: the admin API's routes are in /openapi/v1.json (browsable at /scalar)"),
            StatusCodes.Status405MethodNotAllowed => TypedResults.Problem(
                statusCode: StatusCodes.Status405MethodNotAllowed,
                title: "Method not allowed",
                detail: allow.Length > 0 ? $"{path} does not answer {method}: it answers {allow}" : $"{path} does not answer {method}"),
            _ => null,
        };
    }

    /// <summary>The OpenAPI document at <c>/openapi/v1.json</c> and an interactive page at <c>/scalar</c>, both open.</summary>
    public static WebApplication MapApiDocuments(this WebApplication app)
    {
        app.MapOpenApi();
        app.MapScalarApiReference();
        return app;
    }
}
