using System.Net;
using System.Net.Http.Headers;

namespace OrleansCluster.Silo.Tests.Api;

/// <summary>
/// A silo with no <c>Admin:ApiKey</c> generates one and logs it at start, once (README, docs/admin-api.md): it was
/// logged at the first request that needed it, so an operator who started the silo and looked for it found nothing.
/// </summary>
public sealed class GeneratedAdminKeyTests
{
    private const string ShownOnce = "this silo's admin key, shown once: ";

    [Fact]
    public async Task TheGeneratedKeyIsLoggedAtStartOnceAndIsTheKeyTheSiloTakes()
    {
        await using var factory = new SiloFactory { Settings = new Dictionary<string, string> { ["Admin:ApiKey"] = string.Empty } };

        _ = factory.Services; // starts the host; no request is sent

        var line = Assert.Single(factory.Logs, l => l.Contains(ShownOnce, StringComparison.Ordinal));
        var key = line[(line.IndexOf(ShownOnce, StringComparison.Ordinal) + ShownOnce.Length)..];
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await client.GetAsync("/api/cluster", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(factory.Logs, l => l.Contains(ShownOnce, StringComparison.Ordinal));
    }
}
