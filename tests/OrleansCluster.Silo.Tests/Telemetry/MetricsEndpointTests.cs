using System.Net;
using OrleansCluster.Silo.Tests.Api;

namespace OrleansCluster.Silo.Tests.Telemetry;

public sealed class MetricsEndpointTests(SiloFixture fixture) : IClassFixture<SiloFixture>
{
    [Theory]
    [InlineData("/metrics")]
    [InlineData("/Metrics")]
    [InlineData("/METRICS")]
    [InlineData("/metrics/")]
    public async Task EveryPathRoutingSendsToTheExporterServesTheFullPage(string path)
    {
        using var client = fixture.Factory.CreateAdminClient();
        await client.WaitForClusterAsync(c => c.Step() >= 2, "a few steps");

        using var response = await client.GetAsync(path, AdminClient.Ct);
        var page = await response.Content.ReadAsStringAsync(AdminClient.Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("# TYPE gpusim_node_compute_seconds histogram\n", page, StringComparison.Ordinal);
        Assert.Contains("gpusim_node_compute_seconds_bucket{", page, StringComparison.Ordinal);
        Assert.Contains("# TYPE gpusim_barrier_wait_seconds histogram\n", page, StringComparison.Ordinal);
    }
}
