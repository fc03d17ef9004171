using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Model.Scenarios;

namespace OrleansCluster.Silo.Api.OpenApi;

/// <summary>
/// Numbers as the API really reads and writes them. Answers may carry <c>"NaN"</c> or <c>"Infinity"</c> (the HTTP
/// JSON options allow named literals), which the generator declares as <c>anyOf</c> a number or those names but
/// also, wrongly, as <c>type: object</c>: that type is dropped. Request bodies are read strictly (<see cref="JsonBody"/>:
/// JSON numbers only), so a number in a request type is declared as a plain number that a client can fill in. A
/// nullable number in an answer keeps <c>null</c> among its branches (dropping the type dropped it: a straggler
/// report's <c>stretch</c>, null for a down link, and <c>reliability.mtbfSeconds</c> read as never null).
/// </summary>
internal sealed class RequestNumbers : IOpenApiSchemaTransformer
{
    private static readonly HashSet<Type> RequestTypes = [typeof(FaultRequest), typeof(FaultTargetRequest), typeof(OrleansCluster.Abstractions.Api.PaceBody)];

    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(context);
        if (schema.Type is not { } type || (type & ~JsonSchemaType.Null) != JsonSchemaType.Object || schema.AnyOf is not { Count: 2 } branches
            || !branches.Any(b => b.Type == JsonSchemaType.Number))
        {
            return Task.CompletedTask;
        }

        var declaring = context.JsonPropertyInfo?.DeclaringType;
        if (declaring is not null && (RequestTypes.Contains(declaring) || declaring.Namespace == typeof(ScenarioDocument).Namespace))
        {
            schema.Type = JsonSchemaType.Number;
            schema.AnyOf = null;
        }
        else
        {
            schema.Type = null;
            if (Nullable.GetUnderlyingType(context.JsonPropertyInfo?.PropertyType ?? typeof(object)) is not null)
            {
                branches.Add(new OpenApiSchema { Type = JsonSchemaType.Null });
            }
        }

        return Task.CompletedTask;
    }
}
