using OrleansCluster.Cli.Commands;

namespace OrleansCluster.Cli.Tests.Commands;

public sealed class BusyRegistryApiTests(BusyRegistrySiloFixture silo) : IClassFixture<BusyRegistrySiloFixture>
{
    [Fact]
    public async Task RefusalsByABusyFaultRegistryAreCountedApartAndTheFaultListStillEndsClean()
    {
        // Found by review: the silo's 503 "Fault registry busy" (refused before the registry, nothing changed) was
        // counted as a failed call, and a refused clear was not retried, so the list did not end as it began.
        using var client = silo.CreateTargetClient();

        // 16 callers, no pause, against one mutation at a time and no queue: some are refused 503 busy.
        var report = await ApiLoad.RunAsync(client, new ApiLoad.Options(Callers: 16, Rounds: 10, CallsPerSecond: 0, MaxDuration: TimeSpan.FromSeconds(120)), null, TestContext.Current.CancellationToken);

        Assert.True(report.FailedCalls() == 0, report.Summary());
        var errors = report.Operations.SelectMany(o => o.Errors).ToArray();
        Assert.NotEmpty(errors);
        Assert.All(errors, e => Assert.Equal("503 busy", e.Key));
        var injects = report.Operations.Single(o => o.Name == "inject");
        Assert.Equal(160, injects.Latency.Count);
        Assert.Equal(160 - injects.Errors.GetValueOrDefault("503 busy"), report.Injected);
        Assert.Equal(report.Injected, report.Cleared);
        Assert.Equal(0, report.Leftover);
        Assert.True(report.Consistent);
        Assert.True(report.Held(), report.Summary()); // exit 0
    }
}
