using OrleansCluster.Cli.Commands;

namespace OrleansCluster.Cli.Tests.Commands;

public sealed class GrainStatusTests(CliSiloFixture silo) : IClassFixture<CliSiloFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StatusReadsTheJobAsAnOrleansClientThroughTheGateway()
    {
        using var admin = silo.CreateTargetClient();
        await admin.PostAsync("/api/faults", new StringContent("""{"kind":"node.crash","target":{"node":"west-00002"}}""", System.Text.Encoding.UTF8, "application/json"), Ct);
        await using var connection = await ClusterConnection.ConnectAsync(silo.ClusterId, silo.GatewayPort, redis: null, ClusterConnection.DefaultConnectTimeout, Ct);

        var deadline = DateTime.UtcNow.AddSeconds(120);
        GrainStatus.Report report;
        do
        {
            report = await GrainStatus.RunAsync(connection.Client, Ct);
        }
        while (report.Step < 3 && DateTime.UtcNow < deadline);

        Assert.Equal("small", report.Scenario);
        Assert.Equal("running", report.State);
        Assert.True(report.Step >= 3);
        Assert.True(report.GrainCalls > 0);
        Assert.StartsWith("S127.0.0.1:", report.Host, StringComparison.Ordinal);
        Assert.Equal(1, report.Faults);
    }

    [Fact]
    public async Task NonLoopbackRedisIsRefused() =>
        await Assert.ThrowsAsync<ArgumentException>(() => ClusterConnection.ConnectAsync("x", 30000, "10.1.2.3:6379", ClusterConnection.DefaultConnectTimeout, Ct));
}
