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
        foreach (var status in new[] { "400", "401", "409", "413", "415", "422", "429", "503" })
        {
            Assert.True(operation.GetProperty("responses").TryGetProperty(status, out _), $"{status} declared");
        }

        // Found by a newcomer: the 200 was not declared, so a generated client had no type for the report.
        var report = Reference(JsonSchema(operation.GetProperty("responses").GetProperty("200")));
        Assert.Equal("WhatIfReport", report);
        Assert.Superset(new HashSet<string>(["variants", "ranking"], StringComparer.Ordinal), Component(document, report).GetProperty("properties").EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal));
    }

    [Fact]
    public async Task TheScenarioSourceDeclaresBothBodiesItAnswersAndItsNotFound()
    {
        var document = await DocumentAsync();
        var responses = document.GetProperty("paths").GetProperty("/api/scenario").GetProperty("get").GetProperty("responses");

        // Found by a newcomer: only 401, 429 and 503 were declared. The 200 is what PUT /api/scenario takes.
        var schema = JsonSchema(responses.GetProperty("200"));
        Assert.Equal(["PresetBody", "ScenarioDocument"], schema.GetProperty("oneOf").EnumerateArray().Select(Reference));
        Assert.Equal("ProblemDetails", Reference(responses.GetProperty("404").GetProperty("content").GetProperty("application/problem+json").GetProperty("schema")));
    }

    [Fact]
    public async Task EveryOperationDeclaresItsSuccessAndWhatItAnswers()
    {
        var document = await DocumentAsync();

        var operations = document.GetProperty("paths").EnumerateObject().Where(p => p.Name.StartsWith("/api/", StringComparison.Ordinal))
            .SelectMany(p => p.Value.EnumerateObject().Select(o => (Route: $"{o.Name} {p.Name}", Responses: o.Value.GetProperty("responses")))).ToList();

        Assert.NotEmpty(operations);
        Assert.All(operations, o =>
        {
            var success = o.Responses.EnumerateObject().Where(r => r.Name.StartsWith('2')).ToList();
            Assert.True(success.Count > 0, $"{o.Route}: no 2xx declared");
            Assert.All(success, r => Assert.True(JsonSchema(r.Value).ValueKind == JsonValueKind.Object, $"{o.Route}: its {r.Name} has no JSON schema"));
        });
    }

    /// <summary>
    /// A body each route takes (the fixture's silo runs <c>small</c>), by the schema it is checked against: it sets every
    /// property the schema names, so that each one the schema calls required can be left out in turn.
    /// </summary>
    public static TheoryData<string, string, string, string> Bodies => new()
    {
        { "post", "/api/faults", "FaultRequest", """{"kind":"node.slowdown","target":{"node":"west-00001"},"params":{"factor":1.2},"startInSeconds":0,"durationSeconds":1}""" },
        { "post", "/api/faults/campaign", "FaultCampaign", """{"name":"required","description":"each required field left out","faults":[{"kind":"node.slowdown","target":{"node":"west-00002"},"params":{"factor":1.2},"startInSeconds":0,"durationSeconds":1}]}""" },
        { "put", "/api/scenario", "PresetBody", """{"preset":"small"}""" },
        { "put", "/api/job/pace", "PaceBody", """{"mode":"realtime","speed":50}""" },
        { "post", "/api/whatif", "WhatIfRequest", """{"variants":[{"name":"healed","patch":{"job":{"checkpointEverySteps":7}},"change":"heal-links"}],"steps":2,"withFaults":false,"objective":"useful-flops"}""" },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task EveryPropertyABodySchemaRequiresIsRefusedWhenLeftOut(string method, string path, string schemaName, string body)
    {
        // Found by a newcomer: WhatIfRequest required steps, withFaults and objective, which the server defaults, and
        // VariantRequest name, patch and change, of which a variant gives a name with a patch and/or a change.
        var document = await DocumentAsync();
        using var client = fixture.Factory.CreateAdminClient();
        var http = new HttpMethod(method.ToUpperInvariant());
        var (accepted, answer, _) = await client.SendJsonAsync(http, path, body);
        Assert.True((int)accepted is >= 200 and < 300, $"{method} {path} refused the example: {(int)accepted} {answer}");

        // One of several bodies (PUT /api/scenario: a preset or a scenario): without its own required field it reads as
        // another, which must be refused too, but names that one's fields.
        var oneOf = document.GetProperty("paths").GetProperty(path).GetProperty(method).GetProperty("requestBody").GetProperty("content")
            .GetProperty("application/json").GetProperty("schema").TryGetProperty("oneOf", out _);
        var required = Required(document, Component(document, schemaName), System.Text.Json.Nodes.JsonNode.Parse(body)!, string.Empty).ToList();
        Assert.NotEmpty(required);
        Assert.All(required, r => Assert.True(r.Present, $"the example leaves out {r.Path}, which {schemaName} requires"));
        foreach (var (field, _, without) in required)
        {
            var (status, problem, _) = await client.SendJsonAsync(http, path, without);
            var named = problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty("errors", out var errors)
                && errors.EnumerateObject().Any(e => oneOf || e.Name == field || e.Name == field.Split('.')[^1]);
            Assert.True(status == System.Net.HttpStatusCode.BadRequest && named, $"{schemaName} requires {field}, but {method} {path} without it answered {(int)status} {problem}");
        }
    }

    [Fact]
    public async Task TheBodiesCoverEveryRequestSchema()
    {
        var document = await DocumentAsync();

        var schemas = document.GetProperty("paths").EnumerateObject().SelectMany(p => p.Value.EnumerateObject())
            .Where(o => o.Value.TryGetProperty("requestBody", out _))
            .Select(o => o.Value.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema"))
            .SelectMany(s => s.TryGetProperty("oneOf", out var oneOf) ? oneOf.EnumerateArray().Select(Reference) : [Reference(s)])
            .Where(name => name != "ScenarioDocument") // the scenario file's own schema: docs/scenarios.md
            .Order(StringComparer.Ordinal);

        Assert.Equal(Bodies.Select(row => row.Data.Item3).Order(StringComparer.Ordinal), schemas);
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

    [Fact]
    public async Task AStragglerReportsLinkDeclaresWhetherItIsUpAndAStretchThatMayBeNull()
    {
        var document = await DocumentAsync();

        var properties = Component(document, "LinkStragglerFigures").GetProperty("properties");

        Assert.Equal("boolean", properties.GetProperty("up").GetProperty("type").GetString());
        var stretch = properties.GetProperty("stretch");
        var types = stretch.GetProperty("anyOf").EnumerateArray().Where(b => b.TryGetProperty("type", out _)).Select(b => b.GetProperty("type").GetString());
        Assert.Equal(["null", "number"], types.Order(StringComparer.Ordinal));
        Assert.Contains("down", properties.GetProperty("up").GetProperty("description").GetString(), StringComparison.Ordinal);
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

    // A response's JSON schema, or an undefined element where it declares none.
    private static JsonElement JsonSchema(JsonElement response) =>
        response.TryGetProperty("content", out var content) && content.TryGetProperty("application/json", out var json) && json.TryGetProperty("schema", out var schema) ? schema : default;

    // Every property that <paramref name="schema"/> (and the schemas of its objects and arrays' items, down the example)
    // requires: its path in the body's field names, whether the example sets it, and the example without it.
    private static IEnumerable<(string Path, bool Present, string Without)> Required(JsonElement document, JsonElement schema, System.Text.Json.Nodes.JsonNode root, string at)
    {
        var node = at.Length == 0 ? root : Find(root, at);
        if ((schema.TryGetProperty("oneOf", out var branches) || schema.TryGetProperty("anyOf", out branches))
            && branches.EnumerateArray().FirstOrDefault(b => b.TryGetProperty("$ref", out _)) is { ValueKind: JsonValueKind.Object } branch)
        {
            schema = branch; // a nullable object: null or its schema
        }

        if (schema.TryGetProperty("$ref", out _))
        {
            schema = Component(document, Reference(schema));
        }

        if (node is System.Text.Json.Nodes.JsonArray array && schema.TryGetProperty("items", out var items))
        {
            for (var i = 0; i < array.Count; i++)
            {
                foreach (var r in Required(document, items, root, $"{at}[{i}]"))
                {
                    yield return r;
                }
            }
        }

        if (node is not System.Text.Json.Nodes.JsonObject obj)
        {
            yield break;
        }

        foreach (var name in schema.TryGetProperty("required", out var required) ? required.EnumerateArray().Select(r => r.GetString()!) : [])
        {
            var path = at.Length == 0 ? name : $"{at}.{name}";
            var copy = root.DeepClone();
            ((System.Text.Json.Nodes.JsonObject)(at.Length == 0 ? copy : Find(copy, at)!)).Remove(name);
            yield return (path, obj.ContainsKey(name), copy.ToJsonString());
        }

        foreach (var property in schema.TryGetProperty("properties", out var properties) ? properties.EnumerateObject() : [])
        {
            if (obj.ContainsKey(property.Name))
            {
                foreach (var r in Required(document, property.Value, root, at.Length == 0 ? property.Name : $"{at}.{property.Name}"))
                {
                    yield return r;
                }
            }
        }
    }

    // The node at a path of field names and indexes (variants[0].patch).
    private static System.Text.Json.Nodes.JsonNode? Find(System.Text.Json.Nodes.JsonNode root, string path)
    {
        var node = root;
        foreach (var part in path.Replace("[", ".[", StringComparison.Ordinal).Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            node = part.StartsWith('[') ? node?[int.Parse(part[1..^1], System.Globalization.CultureInfo.InvariantCulture)] : node?[part];
        }

        return node;
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
