using OrleansCluster.Cli.Commands;

namespace OrleansCluster.Cli.Tests.Commands;

/// <summary>The ramp loads its own scenarios, so it has a silo of its own.</summary>
public sealed class RampTests(SiloFixture silo) : IClassFixture<SiloFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RampMeasuresEachSizeUntilTheLast()
    {
        using var client = silo.CreateTargetClient();

        var report = await Ramp.RunAsync(client, new Ramp.Options([40, 120], Colossus: false, FloorStepsPerSecond: 1, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(0.5)), null, Ct);

        Assert.Equal(["ramp-40", "ramp-120"], report.Stages.Select(s => s.Scenario));
        Assert.Equal([40, 120], report.Stages.Select(s => s.Nodes));
        Assert.All(report.Stages, s =>
        {
            Assert.True(s.HeldFloor);
            Assert.True(s.StepsPerSecond >= 1, $"{s.Scenario}: {s.StepsPerSecond} steps/s");
            Assert.True(s.GrainCallsPerSecond > 0);
            Assert.True(s.ScrapeBytes > 10_000 && s.ScrapeMilliseconds > 0);
            Assert.True(s.WorkingSetMiB > 10);
        });
        Assert.Equal("ramp-120", report.LargestHeld);
        Assert.Null(report.StoppedAt);
    }

    [Fact]
    public async Task RampStopsAtTheFirstSizeUnderTheFloor()
    {
        using var client = silo.CreateTargetClient();

        var report = await Ramp.RunAsync(client, new Ramp.Options([40, 120], Colossus: false, FloorStepsPerSecond: 1e9, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(0.2)), null, Ct);

        var stage = Assert.Single(report.Stages);
        Assert.False(stage.HeldFloor);
        Assert.Null(report.LargestHeld);
        Assert.StartsWith("ramp-40:", report.StoppedAt, StringComparison.Ordinal);
    }
}
