using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using OrleansCluster.Silo.Security;

namespace OrleansCluster.Silo.Api.OpenApi;

/// <summary>
/// Declares the admin key in the OpenAPI document: a header scheme (<c>X-Api-Key</c>) and an HTTP bearer scheme,
/// either of which every <c>/api</c> operation accepts, so that a client such as Scalar sends the key it is given.
/// </summary>
internal sealed class AdminKeySecurity : IOpenApiDocumentTransformer
{
    public const string HeaderScheme = "ApiKey";
    public const string BearerScheme = "Bearer";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[HeaderScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = ApiKeyAuthenticationHandler.HeaderName,
            Description = "The admin key (Admin:ApiKey) in the X-Api-Key header.",
        };
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "The admin key (Admin:ApiKey) as a bearer token: Authorization: Bearer KEY.",
        };

        // Alternatives: either scheme is enough.
        foreach (var (path, item) in document.Paths)
        {
            if (!path.StartsWith("/api/", StringComparison.Ordinal) || item.Operations is null)
            {
                continue;
            }

            foreach (var operation in item.Operations.Values)
            {
                operation.Security =
                [
                    new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(HeaderScheme, document)] = [] },
                    new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] },
                ];
            }
        }

        return Task.CompletedTask;
    }
}
