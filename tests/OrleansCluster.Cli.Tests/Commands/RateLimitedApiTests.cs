using OrleansCluster.Cli.Commands;

namespace OrleansCluster.Cli.Tests.Commands;

public sealed class RateLimitedApiTests(RateLimitedSiloFixture silo) : IClassFixture<RateLimitedSiloFixture>
{
    [Fact]
    public async Task RefusalsByTheRateLimitAreCountedAndTheFaultListStillEndsClean()
    {
        using var client = silo.CreateTargetClient();

        // 3 callers x 4 rounds = 24 mutations against 5 a second: some are refused with 429.
        var report = await ApiLoad.RunAsync(client, new ApiLoad.Options(Callers: 3, Rounds: 4, CallsPerSecond: 0, MaxDuration: TimeSpan.FromSeconds(60)), null, TestContext.Current.CancellationToken);

        var errors = report.Operations.SelectMany(o => o.Errors).ToArray();
        Assert.NotEmpty(errors);
        Assert.All(errors, e => Assert.Equal("429", e.Key));
        var injects = report.Operations.Single(o => o.Name == "inject");
        Assert.Equal(12, injects.Latency.Count);
        Assert.Equal(12 - injects.Errors.GetValueOrDefault("429"), report.Injected);
        Assert.True(report.Injected > 0);
        var clears = report.Operations.Single(o => o.Name == "clear");
        Assert.Equal(report.Injected + clears.Errors.GetValueOrDefault("429"), clears.Latency.Count);
        Assert.Equal(report.Injected, report.Cleared);
        Assert.Equal(0, report.Leftover);
        Assert.True(report.Consistent);
    }
}
