using System.Net;
using OrleansCluster.Silo.Tests.Api;

namespace OrleansCluster.Silo.Tests.Page;

/// <summary>The official Orleans dashboard at <c>/orleans</c> when <c>Orleans:Dashboard=true</c>; absent by default.</summary>
public sealed class OrleansDashboardTests : IAsyncLifetime
{
    private readonly SiloFactory _factory = new()
    {
        Pace = "realtime",
        Settings = new Dictionary<string, string> { ["Simulation:Speed"] = "50", ["Orleans:Dashboard"] = "true" },
    };

    [Fact]
    public async Task TheDashboardIsServedAtOrleansAndTheApiKeepsItsKey()
    {
        using var client = _factory.CreateClient();

        using var page = await client.GetAsync("/orleans/", AdminClient.Ct);
        using var api = await client.GetAsync("/api/cluster", AdminClient.Ct);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<title>Orleans Dashboard</title>", await page.Content.ReadAsStringAsync(AdminClient.Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
    }

    public ValueTask InitializeAsync()
    {
        _ = _factory.Server;
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await _factory.DisposeAsync();
}
