using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace OrleansCluster.Silo.Api.OpenApi;

/// <summary>
/// A query parameter's real type for the OpenAPI document. The handlers take query parameters as text and parse
/// them (see <see cref="Query"/>) so as to refuse a bad value naming it; without this, the document would call
/// every one of them a string.
/// </summary>
public sealed record QueryParameter(string Name, JsonSchemaType Type, long? Minimum = null, long? Maximum = null, JsonNode? Default = null, IReadOnlyList<string>? Values = null);

/// <summary>Writes each <see cref="QueryParameter"/> of an endpoint's metadata into its operation's parameter.</summary>
internal sealed class QueryParameterTypes : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(context);
        var declared = context.Description.ActionDescriptor.EndpointMetadata.OfType<QueryParameter>().ToDictionary(q => q.Name, StringComparer.Ordinal);
        foreach (var parameter in operation.Parameters ?? [])
        {
            if (parameter is not OpenApiParameter { In: ParameterLocation.Query } query || query.Name is null || !declared.TryGetValue(query.Name, out var real))
            {
                continue;
            }

            query.Schema = new OpenApiSchema
            {
                Type = real.Type,
                Format = real.Type == JsonSchemaType.Integer ? "int32" : null,
                Minimum = real.Minimum?.ToString(CultureInfo.InvariantCulture),
                Maximum = real.Maximum?.ToString(CultureInfo.InvariantCulture),
                Default = real.Default?.DeepClone(),
                Enum = real.Values?.Select(v => (JsonNode)JsonValue.Create(v)).ToList(),
            };
        }

        return Task.CompletedTask;
    }
}

/// <summary>Declaring query parameters' real types on a route.</summary>
public static class QueryParameterExtensions
{
    /// <summary>An integer query parameter within [<paramref name="minimum"/>, <paramref name="maximum"/>].</summary>
    public static RouteHandlerBuilder WithIntegerQuery(this RouteHandlerBuilder route, string name, long minimum, long maximum, long fallback) =>
        route.WithMetadata(new QueryParameter(name, JsonSchemaType.Integer, minimum, maximum, JsonValue.Create(fallback)));

    /// <summary>A boolean query parameter.</summary>
    public static RouteHandlerBuilder WithBooleanQuery(this RouteHandlerBuilder route, string name, bool fallback) =>
        route.WithMetadata(new QueryParameter(name, JsonSchemaType.Boolean, Default: JsonValue.Create(fallback)));

    /// <summary>A query parameter that takes one of <paramref name="values"/>.</summary>
    public static RouteHandlerBuilder WithEnumQuery(this RouteHandlerBuilder route, string name, params string[] values) =>
        route.WithMetadata(new QueryParameter(name, JsonSchemaType.String, Values: values));
}
