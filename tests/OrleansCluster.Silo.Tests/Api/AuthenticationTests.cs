using System.Net;
using System.Net.Http.Headers;

namespace OrleansCluster.Silo.Tests.Api;

public sealed class AuthenticationTests(SiloFixture fixture) : IClassFixture<SiloFixture>
{
    [Theory]
    [InlineData("/api/cluster")]
    [InlineData("/api/faults")]
    [InlineData("/api/stragglers")]
    public async Task ApiRoutesRefuseCallsWithoutTheKey(string path)
    {
        using var client = fixture.Factory.CreateClient();

        var (status, problem, response) = await client.SendJsonAsync(HttpMethod.Get, path);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(401, problem.GetProperty("status").GetInt32());
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task WrongKeyIsRefusedAndChangesNothing()
    {
        using var client = fixture.Factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-the-key");
        using var admin = fixture.Factory.CreateAdminClient();
        var before = (await admin.GetJsonAsync("/api/faults")).GetArrayLength();
        var logged = fixture.Factory.Logs.Count;

        var (status, _, _) = await client.PostJsonAsync("/api/faults", """{"kind":"node.crash","target":{"node":"west-00001"}}""");

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal(before, (await admin.GetJsonAsync("/api/faults")).GetArrayLength());
        // Audited as the first rejection of its 10 s window, or (another test of the class having been refused first in
        // it: found flaky on CI) counted in the window's summary at its end.
        await fixture.Factory.Logs.Skip(logged).WaitForLogAsync(
            l => l.Contains("audit: rejected POST /api/faults", StringComparison.Ordinal) || l.Contains(" failed authentications from ", StringComparison.Ordinal),
            "of the rejected POST");
    }

    [Theory]
    [InlineData("X-Api-Key", "the key given in X-Api-Key was refused: ")]
    [InlineData("Authorization", "the key given in Authorization: Bearer was refused: ")]
    public async Task AWrongKeyIsToldApartFromAMissingOneWithoutEchoingIt(string header, string refused)
    {
        // Found by a newcomer's probe: a wrong key and no key read the same, "this route needs the admin key".
        const string wrong = "not-the-key-4f1c";
        using var none = fixture.Factory.CreateClient();
        using var given = fixture.Factory.CreateClient();
        given.DefaultRequestHeaders.TryAddWithoutValidation(header, header == "Authorization" ? $"Bearer {wrong}" : wrong);

        var (missingStatus, missing, _) = await none.SendJsonAsync(HttpMethod.Get, "/api/cluster");
        var (wrongStatus, refusal, response) = await given.SendJsonAsync(HttpMethod.Get, "/api/cluster");

        Assert.Equal(HttpStatusCode.Unauthorized, missingStatus);
        Assert.StartsWith("this route needs the admin key", missing.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongStatus);
        Assert.StartsWith(refused, refusal.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, await response.Content.ReadAsStringAsync(AdminClient.Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheKeyIsAcceptedAsBearerOrAsXApiKey()
    {
        using var bearer = fixture.Factory.CreateAdminClient();
        using var header = fixture.Factory.CreateClient();
        header.DefaultRequestHeaders.Add("X-Api-Key", SiloFactory.AdminKey);

        Assert.Equal(HttpStatusCode.OK, (await bearer.GetAsync("/api/cluster", AdminClient.Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await header.GetAsync("/api/cluster", AdminClient.Ct)).StatusCode);
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/metrics")]
    public async Task TheOpenRoutesAnswerGetAndHeadAndRefuseOtherMethods(string path)
    {
        // Found by probing: every method answered 200, TRACE and DELETE included.
        using var client = fixture.Factory.CreateClient();

        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Head })
        {
            using var request = new HttpRequestMessage(method, path);
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(request, AdminClient.Ct)).StatusCode);
        }

        foreach (var method in new[] { HttpMethod.Post, HttpMethod.Delete, HttpMethod.Patch, HttpMethod.Trace })
        {
            using var request = new HttpRequestMessage(method, path);
            Assert.Equal(HttpStatusCode.MethodNotAllowed, (await client.SendAsync(request, AdminClient.Ct)).StatusCode);
        }
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/openapi/v1.json")]
    public async Task HealthAndTheOpenApiDocumentAreOpen(string path)
    {
        using var client = fixture.Factory.CreateClient();

        var response = await client.GetAsync(path, AdminClient.Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task OpenApiDocumentDescribesEveryAdminRoute()
    {
        using var client = fixture.Factory.CreateClient();

        var paths = (await client.GetJsonAsync("/openapi/v1.json")).GetProperty("paths").EnumerateObject().Select(p => p.Name).ToArray();

        foreach (var route in new[] { "/api/cluster", "/api/scenarios", "/api/scenario", "/api/job/start", "/api/job/pause", "/api/job/resume", "/api/job/stop", "/api/job/pace", "/api/stragglers", "/api/nodes", "/api/nodes/{id}", "/api/links", "/api/links/{id}", "/api/faults", "/api/faults/{id}", "/api/faults/campaign" })
        {
            Assert.Contains(route, paths);
        }
    }

    [Fact]
    public async Task MutationsAreAuditedWithCallerRouteBodyAndOutcome()
    {
        using var client = fixture.Factory.CreateAdminClient();

        var (_, made, _) = await client.PostJsonAsync("/api/faults", """{"kind":"node.slowdown","target":{"node":"west-00009"},"params":{"factor":1.2}}""");
        await client.PostJsonAsync("/api/faults", """{"kind":"no.such.kind","target":{"node":"west-00009"}}""");

        // A 201's line names what it created, so that the audit says which fault a caller made.
        var created = $"-> 201 /api/faults/{made.GetProperty("id").GetString()}";
        await fixture.Factory.Logs.WaitForLogAsync(l => l.Contains("audit: key:", StringComparison.Ordinal) && l.Contains("POST /api/faults", StringComparison.Ordinal) && l.Contains("west-00009", StringComparison.Ordinal) && l.EndsWith(created, StringComparison.Ordinal), "of the 201");
        await fixture.Factory.Logs.WaitForLogAsync(l => l.Contains("no.such.kind", StringComparison.Ordinal) && l.EndsWith("-> 400", StringComparison.Ordinal), "of the 400");
    }

    [Fact]
    public async Task AReplayedInjectionIsAuditedAsAReplayNotASecondCreation()
    {
        using var client = fixture.Factory.CreateAdminClient();
        var key = $"audit-replay-{Guid.NewGuid():N}";
        const string fault = """{"kind":"node.slowdown","target":{"node":"west-00011"},"params":{"factor":1.3}}""";

        var (_, made, _) = await client.PostOnceAsync("/api/faults", fault, key);
        var (_, again, replay) = await client.PostOnceAsync("/api/faults", fault, key);

        var id = made.GetProperty("id").GetString();
        Assert.Equal(id, again.GetProperty("id").GetString());
        Assert.True(replay.Headers.Contains("Idempotent-Replayed"));
        var created = $"-> 201 /api/faults/{id}";
        await fixture.Factory.Logs.WaitForLogAsync(l => l.Contains("west-00011", StringComparison.Ordinal) && l.EndsWith(created + " (replayed)", StringComparison.Ordinal), "of the replay");
        Assert.Single(fixture.Factory.Logs, l => l.Contains("west-00011", StringComparison.Ordinal) && l.EndsWith(created, StringComparison.Ordinal));
        await client.DeleteAsync(new Uri($"/api/faults/{id}", UriKind.Relative), AdminClient.Ct);
    }
}
