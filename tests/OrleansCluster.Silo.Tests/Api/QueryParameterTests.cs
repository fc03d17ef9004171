using System.Globalization;
using System.Net;
using System.Text.Json;

namespace OrleansCluster.Silo.Tests.Api;

/// <summary>
/// Every route of the admin API refuses a query parameter it does not take, <c>400</c> naming it, and changes
/// nothing; each parameter it documents is still taken. Found by probing: a misspelt filter was ignored, so
/// <c>GET /api/faults?campagin=c1</c> answered every fault as if it were absent. The routes and their parameters are
/// the OpenAPI document's, so a route added later is covered.
/// </summary>
public sealed class QueryParameterTests(SiloFixture fixture) : IClassFixture<SiloFixture>
{
    private readonly HttpClient _client = fixture.Factory.CreateAdminClient();

    [Fact]
    public async Task EveryRouteRefusesAQueryParameterItDoesNotTakeNamingItAndChangesNothing()
    {
        var routes = await RoutesAsync();
        Assert.Contains(routes, r => r.Method == "delete" && r.Path == "/api/faults");
        Assert.Contains(routes, r => r.Method == "post" && r.Path == "/api/whatif");
        var before = await _client.GetJsonAsync("/api/cluster");

        foreach (var (method, path, parameters) in routes)
        {
            // A misspelling of a parameter the route takes (the probe's cases), or one a route that takes none does not.
            var unknown = parameters.Count > 0 ? parameters[0].GetProperty("name").GetString()![..^1] : "sinse";
            var url = $"{Concrete(path)}?{unknown}=1";
            var (status, problem, response) = await _client.SendJsonAsync(new HttpMethod(method.ToUpperInvariant()), url, method is "post" or "put" ? "{}" : null);

            Assert.True(status == HttpStatusCode.BadRequest, $"{method} {url}: {(int)status} {problem}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal([unknown], problem.ErrorFields());
            Assert.Contains(unknown, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        // None of the mutations took effect: the job runs on as it did, on the same run, with its faults.
        var after = await _client.GetJsonAsync("/api/cluster");
        Assert.Equal(before.GetProperty("job").GetProperty("state").GetString(), after.GetProperty("job").GetProperty("state").GetString());
        Assert.Equal(before.GetProperty("job").GetProperty("epoch").GetInt64(), after.GetProperty("job").GetProperty("epoch").GetInt64());
        Assert.Equal(before.GetProperty("job").GetProperty("pace").ToString(), after.GetProperty("job").GetProperty("pace").ToString());
    }

    [Theory]
    [InlineData("/api/faults?campagin=c1", "campagin")]
    [InlineData("/api/faults?al=true", "al")]
    [InlineData("/api/faults?all=true&Since=2026-01-01T00:00:00Z&x=1", "x")]
    [InlineData("/api/nodes?sit=west", "sit")]
    [InlineData("/api/stragglers?tpo=1", "tpo")]
    [InlineData("/api/job/steps?cnt=5", "cnt")]
    [InlineData("/api/cluster?v=1", "v")]
    [InlineData("/api/faults/f-000001?all=true", "all")]
    [InlineData("/api/nodes/west-00001?id=west-00002", "id")]
    [InlineData("/api/cluster?=1", "query")]
    public async Task TheProbesMisspeltFiltersAreRefusedNamingThem(string path, string field)
    {
        var (status, problem, _) = await _client.SendJsonAsync(HttpMethod.Get, path);

        Assert.True(status == HttpStatusCode.BadRequest, $"{path}: {(int)status} {problem}");
        Assert.Equal([field], problem.ErrorFields());
        Assert.StartsWith("not a query parameter of GET /api/", problem.GetProperty("errors").GetProperty(field)[0].GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET", "/api/faults?campagin=c1", "campagin", "not a query parameter of GET /api/faults (it takes all, since, campaign, page, pageSize, allNodes)")]
    [InlineData("POST", "/api/job/stop?now=true", "now", "not a query parameter of POST /api/job/stop (it takes none); nothing was done")]
    public async Task TheRefusalSaysWhatTheRouteTakes(string method, string path, string field, string message)
    {
        var (status, problem, _) = await _client.SendJsonAsync(new HttpMethod(method), path);

        Assert.True(status == HttpStatusCode.BadRequest, $"{path}: {(int)status} {problem}");
        Assert.Equal([message], problem.GetProperty("errors").GetProperty(field).EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task EachDocumentedParameterIsStillTakenAndNamesAreMatchedIgnoringCase()
    {
        var routes = await RoutesAsync();
        var node = (await _client.GetJsonAsync("/api/nodes?pageSize=1")).GetProperty("nodes")[0];
        var text = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["site"] = node.GetProperty("site").GetString()!,
            ["generation"] = node.GetProperty("generation").GetString()!,
            ["since"] = "2026-01-01T00:00:00Z",
            ["campaign"] = "none-of-these",
        };
        var taken = routes.Where(r => r.Method == "get").SelectMany(r => r.Parameters.Select(p => (r.Path, Name: p.GetProperty("name").GetString()!, Value: Sample(p, text)))).ToList();
        Assert.Equal(13, taken.Count); // nodes 5, faults 6, stragglers 1, job/steps 1

        foreach (var (path, name, value) in taken)
        {
            foreach (var spelt in new[] { name, name.ToUpperInvariant() })
            {
                var url = $"{path}?{spelt}={Uri.EscapeDataString(value)}";
                var (status, body, _) = await _client.SendJsonAsync(HttpMethod.Get, url);
                Assert.True(status == HttpStatusCode.OK, $"{url}: {(int)status} {body}");
            }
        }
    }

    // A value each documented parameter takes: its default, the first of its values, true, or a name the silo has.
    private static string Sample(JsonElement parameter, Dictionary<string, string> text)
    {
        var schema = parameter.GetProperty("schema");
        return schema.TryGetProperty("default", out var fallback) ? fallback.ToString()
            : schema.TryGetProperty("enum", out var values) ? values[0].GetString()!
            : schema.TryGetProperty("type", out var type) && type.ToString().Contains("boolean", StringComparison.Ordinal) ? "true"
            : text[parameter.GetProperty("name").GetString()!];
    }

    private static string Concrete(string path) => path
        .Replace("/api/nodes/{id}", "/api/nodes/west-00001", StringComparison.Ordinal)
        .Replace("{id}", "x", StringComparison.Ordinal);

    // Every operation under /api in the OpenAPI document (the page's /, /metrics, /healthz and /openapi are not under
    // it), with the query parameters it declares.
    private async Task<List<(string Method, string Path, List<JsonElement> Parameters)>> RoutesAsync()
    {
        using var open = fixture.Factory.CreateClient();
        var document = await open.GetJsonAsync("/openapi/v1.json");
        var routes = document.GetProperty("paths").EnumerateObject().Where(p => p.Name.StartsWith("/api/", StringComparison.Ordinal))
            .SelectMany(p => p.Value.EnumerateObject().Where(o => o.Value.ValueKind == JsonValueKind.Object && o.Value.TryGetProperty("responses", out _)).Select(o => (
                Method: o.Name,
                Path: p.Name,
                Parameters: o.Value.TryGetProperty("parameters", out var parameters)
                    ? parameters.EnumerateArray().Where(q => q.GetProperty("in").GetString() == "query").Select(q => q.Clone()).ToList()
                    : [])))
            .ToList();
        Assert.True(routes.Count >= 20, string.Create(CultureInfo.InvariantCulture, $"{routes.Count} routes in the document"));
        return routes;
    }
}
