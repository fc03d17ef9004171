using System.Net;
using OrleansCluster.Silo.Tests.Api;

namespace OrleansCluster.Silo.Tests.Page;

/// <summary>The live page over plain HTTP: open, self-contained, with its security headers; <c>/api</c> keeps its key.</summary>
public sealed class LivePageTests(SiloFixture fixture) : IClassFixture<SiloFixture>
{
    [Theory]
    [InlineData("/", "text/html")]
    [InlineData("/app.js", "text/javascript")]
    [InlineData("/app.css", "text/css")]
    public async Task ThePageAndItsAssetsAreOpenWithAStrictContentSecurityPolicy(string path, string mediaType)
    {
        using var client = fixture.Factory.CreateClient();

        using var response = await client.GetAsync(path, AdminClient.Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("default-src 'self';", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        // No CDN: nothing is fetched from another origin.
        Assert.DoesNotContain("https://", await response.Content.ReadAsStringAsync(AdminClient.Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheOrleansDashboardIsOffByDefault()
    {
        using var client = fixture.Factory.CreateClient();

        using var response = await client.GetAsync("/orleans/", AdminClient.Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("/api/cluster", HttpStatusCode.Unauthorized)]
    [InlineData("/api/faults", HttpStatusCode.Unauthorized)]
    [InlineData("/api/", HttpStatusCode.NotFound)]
    [InlineData("/api/index.html", HttpStatusCode.NotFound)]
    public async Task ServingThePageOpensNothingUnderApi(string path, HttpStatusCode expected)
    {
        using var client = fixture.Factory.CreateClient();

        using var response = await client.GetAsync(path, AdminClient.Ct);

        Assert.Equal(expected, response.StatusCode);
        Assert.NotEqual("text/html", response.Content.Headers.ContentType?.MediaType);
    }
}
