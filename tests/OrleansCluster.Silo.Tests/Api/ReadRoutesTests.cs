using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrleansCluster.Abstractions.Grains;

namespace OrleansCluster.Silo.Tests.Api;

/// <summary>
/// The read routes, over real HTTP (Kestrel on 127.0.0.1: what a client gets for HEAD is the server's doing): the
/// links read the same now on <c>/api/cluster</c> as on <c>/api/links</c>, one link's faults are read once, HEAD answers
/// as GET without a body, and an empty filter is 400 naming it. Found by review.
/// </summary>
public sealed class ReadRoutesTests(ReadRoutesTests.Silo silo) : IClassFixture<ReadRoutesTests.Silo>
{
    private readonly HttpClient _client = silo.Factory.CreateAdminClient();

    [Fact]
    public async Task APartitionOnAPausedJobTakesTheLinkDownOnClusterAsOnLinks()
    {
        await LoadEffectsAsync();
        Assert.Equal("paused", (await _client.PostJsonAsync("/api/job/pause")).Body.GetProperty("state").GetString());
        var (status, fault, _) = await _client.PostJsonAsync("/api/faults", """{"kind":"link.partition","target":{"link":"a-b"},"durationSeconds":600}""");
        Assert.True(status == HttpStatusCode.Created, fault.ToString());

        var cluster = Assert.Single((await _client.GetJsonAsync("/api/cluster")).GetProperty("links").EnumerateArray());
        var links = Assert.Single((await _client.GetJsonAsync("/api/links")).EnumerateArray());
        Assert.False(links.GetProperty("up").GetBoolean(), links.ToString());
        Assert.False(cluster.GetProperty("up").GetBoolean(), cluster.ToString());
        Assert.Equal(links.ToString(), cluster.ToString()); // the same figures, read by the same code on the same paused step

        Assert.Equal(HttpStatusCode.OK, (await _client.SendJsonAsync(HttpMethod.Delete, $"/api/faults/{fault.GetProperty("id").GetString()}")).Status);
        Assert.True(Assert.Single((await _client.GetJsonAsync("/api/cluster")).GetProperty("links").EnumerateArray()).GetProperty("up").GetBoolean());
        Assert.Equal("running", (await _client.PostJsonAsync("/api/job/resume")).Body.GetProperty("state").GetString());
    }

    [Fact]
    public async Task OneLinkReadsTheFaultsOnItOnce()
    {
        var id = (await _client.GetJsonAsync("/api/links"))[0].GetProperty("id").GetString()!;
        silo.Calls.Reset();

        var detail = await _client.GetJsonAsync($"/api/links/{id}");

        Assert.Equal(id, detail.GetProperty("link").GetProperty("id").GetString());
        Assert.Equal(1, silo.Calls.ForLink(id));
    }

    [Theory]
    [InlineData("/api/cluster")]
    [InlineData("/api/faults")]
    [InlineData("/api/links")]
    [InlineData("/api/nodes?pageSize=1")]
    [InlineData("/api/stragglers")]
    public async Task HeadAnswersAsGetWithoutABody(string path)
    {
        using var get = await _client.GetAsync(path, AdminClient.Ct);
        using var head = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path), AdminClient.Ct);

        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(get.Content.Headers.ContentType?.ToString(), head.Content.Headers.ContentType?.ToString());
        Assert.NotEmpty(await get.Content.ReadAsByteArrayAsync(AdminClient.Ct));
        Assert.Empty(await head.Content.ReadAsByteArrayAsync(AdminClient.Ct));
    }

    [Fact]
    public async Task TheOpenApiDocumentListsTheGetsAlone()
    {
        var paths = (await _client.GetJsonAsync("/openapi/v1.json")).GetProperty("paths");

        Assert.True(paths.GetProperty("/api/cluster").TryGetProperty("get", out _));
        Assert.DoesNotContain(paths.EnumerateObject(), p => p.Value.TryGetProperty("head", out _));
    }

    [Theory]
    [InlineData("/api/job/start")]
    [InlineData("/api/whatif")]
    public async Task HeadOnAMutationOrAReadWithABodyIsStill405(string path)
    {
        using var head = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path), AdminClient.Ct);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, head.StatusCode);
    }

    [Theory]
    [InlineData("/api/nodes?site=", "site")]
    [InlineData("/api/nodes?generation=", "generation")]
    [InlineData("/api/nodes?state=", "state")]
    [InlineData("/api/nodes?page=", "page")]
    [InlineData("/api/nodes?pageSize=", "pageSize")]
    [InlineData("/api/stragglers?top=", "top")]
    [InlineData("/api/faults?campaign=", "campaign")]
    [InlineData("/api/faults?since=", "since")]
    [InlineData("/api/faults?all=", "all")]
    [InlineData("/api/faults?allNodes=", "allNodes")]
    [InlineData("/api/faults?page=", "page")]
    [InlineData("/api/job/steps?count=", "count")]
    public async Task AnEmptyFilterIs400NamingIt(string path, string field)
    {
        var (status, problem, response) = await _client.SendJsonAsync(HttpMethod.Get, path);

        Assert.True(status == HttpStatusCode.BadRequest, $"{path}: {(int)status} {problem}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal([field], problem.ErrorFields());
    }

    private async Task LoadEffectsAsync()
    {
        var (status, body, _) = await _client.SendJsonAsync(HttpMethod.Put, "/api/scenario", TestScenarios.Effects);
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        await _client.WaitForClusterAsync(c => c.GetProperty("scenario").GetString() == "effects" && c.Step() >= 2, "the effects scenario to step");
    }

    /// <summary>A silo of this class's own on Kestrel, counting the registry's reads of a link's faults.</summary>
    public sealed class Silo : IAsyncLifetime
    {
        public Silo()
        {
            Factory = new SiloFactory
            {
                Pace = "realtime",
                Settings = new Dictionary<string, string> { ["Simulation:Speed"] = "50", ["urls"] = "http://127.0.0.1:0" },
                ExtraServices = services => services.AddSingleton<IIncomingGrainCallFilter>(Calls),
            };
        }

        public SiloFactory Factory { get; }

        public LinkReads Calls { get; } = new();

        public ValueTask InitializeAsync()
        {
            Factory.UseKestrel();
            Factory.StartServer();
            return ValueTask.CompletedTask;
        }

        public async ValueTask DisposeAsync() => await Factory.DisposeAsync();
    }

    /// <summary>Counts <see cref="IFaultRegistryGrain.ForLinkAsync"/> calls by link; passes every call on.</summary>
    public sealed class LinkReads : IIncomingGrainCallFilter
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _reads = new(StringComparer.Ordinal);

        public int ForLink(string link) => _reads.GetValueOrDefault(link);

        public void Reset() => _reads.Clear();

        public Task Invoke(IIncomingGrainCallContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            if (context.InterfaceMethod?.Name == nameof(IFaultRegistryGrain.ForLinkAsync) && context.Request.GetArgument(0) is string link)
            {
                _reads.AddOrUpdate(link, 1, (_, n) => n + 1);
            }

            return context.Invoke();
        }
    }
}
