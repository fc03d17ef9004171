using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using OrleansCluster.Model.Scenarios;

namespace OrleansCluster.Silo.Api.OpenApi;

/// <summary>
/// <c>PUT /api/scenario</c> takes one of two bodies, <c>{"preset": NAME}</c> or a whole scenario, and
/// <c>GET /api/scenario</c> answers the same two; each route declares the first (<c>Accepts</c>, <c>Produces</c>),
/// and this adds the second as the other branch of a <c>oneOf</c>.
/// </summary>
internal sealed class ScenarioBodySchema : IOpenApiOperationTransformer
{
    private const string ScenarioSchemaName = nameof(ScenarioDocument);

    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(context);
        var content = operation.OperationId switch
        {
            ScenariosApi.LoadScenarioName => operation.RequestBody?.Content,
            ScenarioSourceApi.GetScenarioName => operation.Responses?.TryGetValue("200", out var found) == true ? found.Content : null,
            _ => null,
        };
        if (content?.TryGetValue("application/json", out var json) != true || json!.Schema is not { } preset || context.Document is not { } document)
        {
            return;
        }

        if (document.Components?.Schemas?.ContainsKey(ScenarioSchemaName) != true)
        {
            document.AddComponent(ScenarioSchemaName, await context.GetOrCreateSchemaAsync(typeof(ScenarioDocument), cancellationToken: cancellationToken));
        }

        json.Schema = new OpenApiSchema { OneOf = [preset, new OpenApiSchemaReference(ScenarioSchemaName, document)] };
    }
}
