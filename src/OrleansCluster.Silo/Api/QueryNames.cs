using System.Reflection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Primitives;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Silo.Api;

/// <summary>
/// Refuses a query parameter a route does not take, <c>400</c> naming it, before the route runs: the parameters a
/// route takes are its handler's, bound from the query as the framework binds them (text, or a type with a
/// <c>TryParse</c>, not named in the route's pattern), so a route that takes none refuses any. Found by probing: a
/// misspelt filter was ignored, so <c>GET /api/faults?campagin=c1</c> or <c>?al=true</c> answered the whole list
/// as if it were absent, and <c>/api/nodes?sit=west</c> every site's nodes, where <c>DELETE /api/faults</c> refused
/// one naming it.
/// </summary>
internal static class QueryNames
{
    /// <summary>Adds the refusal to every route of <paramref name="group"/>.</summary>
    public static RouteGroupBuilder RefuseUnknownQueryParameters(this RouteGroupBuilder group)
    {
        group.AddEndpointFilterFactory((factory, next) =>
        {
            var taken = Taken(factory.MethodInfo);
            return invocation => Unknown(invocation.HttpContext, taken) is { } refused ? ValueTask.FromResult<object?>(refused) : next(invocation);
        });
        return group;
    }

    // The 400 for the query's names the route does not take (compared ignoring case, as the framework binds them),
    // or null when it takes each of them.
    private static ValidationProblem? Unknown(HttpContext context, IReadOnlyList<string> candidates)
    {
        if (context.Request.Query.Count == 0)
        {
            return null;
        }

        // A handler's text parameter named in the route's pattern ({id}) is bound from the path, not the query.
        var routeValues = context.Request.RouteValues;
        var taken = candidates.Where(name => !routeValues.ContainsKey(name)).ToArray();
        var errors = new List<FieldError>();
        foreach (var name in context.Request.Query.Keys)
        {
            if (!taken.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText?.TrimEnd('/') ?? context.Request.Path.Value;
                var takes = taken.Length == 0 ? "it takes none" : $"it takes {string.Join(", ", taken)}";
                var done = HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method) ? string.Empty : "; nothing was done";
                errors.Add(new FieldError(name.Length > 0 ? name : "query", $"not a query parameter of {context.Request.Method} {route} ({takes}){done}"));
            }
        }

        return errors.Count == 0 ? null : Problems.Validation(errors);
    }

    // The names of the handler's parameters the framework may bind from the query: those marked [FromQuery], and
    // those of text or of a type with a static TryParse that no other source claims (some of them may be the route's).
    private static string[] Taken(MethodInfo handler) =>
        handler.GetParameters().Select(p =>
        {
            var attributes = p.GetCustomAttributes(inherit: true);
            if (attributes.OfType<IFromQueryMetadata>().FirstOrDefault() is { } fromQuery)
            {
                return fromQuery.Name ?? p.Name;
            }

            var elsewhere = attributes.Any(a => a is IFromRouteMetadata or IFromServiceMetadata or IFromBodyMetadata or IFromHeaderMetadata or IFromFormMetadata or AsParametersAttribute);
            return elsewhere || !FromText(p.ParameterType) ? null : p.Name;
        }).OfType<string>().ToArray();

    private static bool FromText(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? (type.IsArray ? type.GetElementType()! : type);
        return type == typeof(string) || type == typeof(StringValues) || type.IsEnum
               || type.GetMethods(BindingFlags.Public | BindingFlags.Static).Any(m => m.Name == "TryParse" && m.GetParameters() is [{ ParameterType: var text }, ..] && text == typeof(string));
    }
}
