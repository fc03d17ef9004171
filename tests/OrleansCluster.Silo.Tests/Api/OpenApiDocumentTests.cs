using System.Text.Json;

namespace OrleansCluster.Silo.Tests.Api;

/// <summary>
/// The OpenAPI document builds requests: each mutation route declares its JSON body's schema, the admin key as
/// its security (X-Api-Key or bearer), and the problem details it may answer; query parameters have their types.
/// </summary>
public sealed class OpenApiDocumentTests(SiloFixture fixture) : IClassFixture<SiloFixture>
{
    /// <summary>Every mutation route: its body's schema (null when it takes none) and the errors besides 401, 429 and 503.</summary>
    public static TheoryData<string, string, string?, int[]> Mutations => new()
    {
        { "post", "/api/faults", "FaultRequest", [400, 404, 409, 413, 422] },
        { "post", "/api/faults/campaign", "FaultCampaign", [400, 404, 409, 413, 422] },
        { "delete", "/api/faults/{id}", null, [404] },
        { "delete", "/api/faults", null, [400, 404] },
        { "put", "/api/scenario", "PresetBody|ScenarioDocument", [400, 404, 413] },
        { "put", "/api/job/pace", "PaceBody", [400, 413] },
        { "post", "/api/job/start", null, [409] },
        { "post", "/api/job/pause", null, [] },
        { "post", "/api/job/resume", null, [] },
        { "post", "/api/job/stop", null, [] },
    };

    [Theory]
    [MemberData(nameof(Mutations))]
    public async Task MutationRoutesDeclareTheirBodyTheKeyAndTheirProblems(string method, string path, string? body, int[] errors)
    {
        var document = await DocumentAsync();
        var operation = document.GetProperty("paths").GetProperty(path).GetProperty(method);

        if (body is null)
        {
            Assert.False(operation.TryGetProperty("requestBody", out _), $"{method} {path} takes no body");
        }
        else
        {
            var schema = operation.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema");
            var declared = schema.TryGetProperty("oneOf", out var oneOf) ? oneOf.EnumerateArray().Select(Reference) : [Reference(schema)];
            Assert.Equal(body, string.Join('|', declared));
            Assert.All(body.Split('|'), name => Assert.True(Component(document, name).GetProperty("properties").EnumerateObject().Any(), $"{name} has properties"));
        }

        AssertKeyRequired(operation);
        foreach (var status in errors.Concat([401, 429, 503]))
        {
            var response = operation.GetProperty("responses").GetProperty(status.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var problem = Reference(response.GetProperty("content").GetProperty("application/problem+json").GetProperty("schema"));
            Assert.Equal(status == 400 ? "HttpValidationProblemDetails" : "ProblemDetails", problem);
        }
    }

    [Fact]
    public async Task TheTheoryCoversEveryMutationRoute()
    {
        var document = await DocumentAsync();

        var mutations = document.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Where(o => o.Name != "get").Select(o => $"{o.Name} {p.Name}"))
            .Where(route => route != "post /api/whatif") // an evaluation, not a change: checked on its own below
            .Order(StringComparer.Ordinal);

        Assert.Equal(Mutations.Select(row => $"{row.Data.Item1} {row.Data.Item2}").Order(StringComparer.Ordinal), mutations);
    }

    [Fact]
    public async Task TheWhatIfRouteDeclaresItsBodyTheKeyAndItsProblems()
    {
        var document = await DocumentAsync();
        var operation = document.GetProperty("paths").GetProperty("/api/whatif").GetProperty("post");

        var schema = operation.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema");
        Assert.Equal("WhatIfRequest", Reference(schema));
        AssertKeyRequired(operation);
        foreach (var status in new[] { "400", "401", "409", "413", "422", "429" })
        {
            Assert.True(operation.GetProperty("responses").TryGetProperty(status, out _), $"{status} declared");
        }
    }

    [Fact]
    public async Task TheKeyIsASecuritySchemeRequiredByEveryApiOperation()
    {
        var document = await DocumentAsync();

        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("apiKey", schemes.GetProperty("ApiKey").GetProperty("type").GetString());
        Assert.Equal("header", schemes.GetProperty("ApiKey").GetProperty("in").GetString());
        Assert.Equal("X-Api-Key", schemes.GetProperty("ApiKey").GetProperty("name").GetString());
        Assert.Equal("http", schemes.GetProperty("Bearer").GetProperty("type").GetString());
        Assert.Equal("bearer", schemes.GetProperty("Bearer").GetProperty("scheme").GetString());
        var operations = document.GetProperty("paths").EnumerateObject().Where(p => p.Name.StartsWith("/api/", StringComparison.Ordinal)).SelectMany(p => p.Value.EnumerateObject()).ToList();
        Assert.NotEmpty(operations);
        Assert.All(operations, o => AssertKeyRequired(o.Value));
        Assert.All(operations, o => Assert.True(o.Value.GetProperty("responses").TryGetProperty("401", out _), $"{o.Name}: 401 declared"));
        Assert.All(operations, o => Assert.True(o.Value.GetProperty("responses").TryGetProperty("429", out _), $"{o.Name}: 429 (wrong keys) declared"));
    }

    [Theory]
    [InlineData("/api/job/steps", "count", "integer", 1, 4096)]
    [InlineData("/api/stragglers", "top", "integer", 1, 1000)]
    [InlineData("/api/nodes", "pageSize", "integer", 1, 1000)]
    [InlineData("/api/faults", "all", "boolean", null, null)]
    public async Task QueryParametersHaveTheirRealTypes(string path, string name, string type, int? minimum, int? maximum)
    {
        var document = await DocumentAsync();

        var parameter = document.GetProperty("paths").GetProperty(path).GetProperty("get").GetProperty("parameters").EnumerateArray()
            .Single(p => p.GetProperty("name").GetString() == name);

        var schema = parameter.GetProperty("schema");
        Assert.Equal(type, schema.GetProperty("type").GetString());
        Assert.Equal(minimum, schema.TryGetProperty("minimum", out var min) ? min.GetInt32() : null);
        Assert.Equal(maximum, schema.TryGetProperty("maximum", out var max) ? max.GetInt32() : null);
    }

    [Fact]
    public async Task EveryReferenceInTheDocumentResolves()
    {
        var document = await DocumentAsync();
        var schemas = document.GetProperty("components").GetProperty("schemas");

        var references = Descendants(document).Where(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("$ref", out _))
            .Select(e => e.GetProperty("$ref").GetString()!).Where(r => r.StartsWith("#/components/schemas/", StringComparison.Ordinal)).Distinct().ToList();

        Assert.NotEmpty(references);
        Assert.All(references, r => Assert.True(schemas.TryGetProperty(r["#/components/schemas/".Length..], out _), $"{r} resolves"));
    }

    [Fact]
    public async Task AFaultsKindIsDeclaredAsTheStringsTheApiWrites()
    {
        var document = await DocumentAsync();

        var kind = Component(document, "Fault").GetProperty("properties").GetProperty("kind");
        var schema = kind.TryGetProperty("$ref", out _) ? Component(document, Reference(kind)) : kind;

        Assert.Equal("string", schema.TryGetProperty("type", out var type) ? type.GetString() : "string");
        Assert.Equal(
            ["node.slowdown", "node.thermal-throttle", "node.crash", "node.flap", "link.latency", "link.bandwidth", "link.packet-loss", "link.partition", "site.power-cap"],
            schema.GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
    }

    // The document is open, like /healthz: no key sent.
    private async Task<JsonElement> DocumentAsync()
    {
        using var client = fixture.Factory.CreateClient();
        return await client.GetJsonAsync("/openapi/v1.json");
    }

    private static void AssertKeyRequired(JsonElement operation)
    {
        var alternatives = operation.GetProperty("security").EnumerateArray().Select(r => string.Join('+', r.EnumerateObject().Select(s => s.Name))).Order(StringComparer.Ordinal);
        Assert.Equal(["ApiKey", "Bearer"], alternatives);
    }

    private static string Reference(JsonElement schema) => schema.GetProperty("$ref").GetString()!.Split('/')[^1];

    private static JsonElement Component(JsonElement document, string name) => document.GetProperty("components").GetProperty("schemas").GetProperty(name);

    private static IEnumerable<JsonElement> Descendants(JsonElement element)
    {
        yield return element;
        var children = element.ValueKind switch
        {
            JsonValueKind.Object => element.EnumerateObject().Select(p => p.Value),
            JsonValueKind.Array => element.EnumerateArray(),
            _ => [],
        };
        foreach (var child in children.SelectMany(Descendants))
        {
            yield return child;
        }
    }
}
