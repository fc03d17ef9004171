using OrleansCluster.Cli.Commands;

namespace OrleansCluster.Cli.Tests.Commands;

/// <summary>A silo that keeps 64 steps of the job's history (<c>Simulation:HistoryCapacity</c>).</summary>
public sealed class SmallHistorySiloFixture() : CliSiloFixture(new Dictionary<string, string>
{
    ["Simulation:HistoryCapacity"] = SmallHistorySiloFixture.History.ToString(System.Globalization.CultureInfo.InvariantCulture),
})
{
    public const int History = 64;
}

/// <summary>
/// Found by review: the ramp asked every silo for <c>GET /api/job/steps?count=4096</c>, which a silo keeping fewer
/// steps refuses 400, and the ramp failed at its first size. It now asks for as many as the silo's OpenAPI document
/// says it keeps.
/// </summary>
public sealed class RampHistoryCapacityTests(SmallHistorySiloFixture silo) : IClassFixture<SmallHistorySiloFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ARampAgainstASiloKeepingFewerStepsReadsTheStepWallsItKeeps()
    {
        using var admin = silo.CreateTargetClient();
        using var scraper = silo.CreateTargetClient();

        Assert.Equal(SmallHistorySiloFixture.History, await Ramp.StepHistoryAsync(admin, Ct));
        var report = await Ramp.RunAsync(admin, [scraper], new Ramp.Options([40], Colossus: false, FloorStepsPerSecond: 0, TimeSpan.FromSeconds(1), TimeSpan.Zero), null, Ct);

        var stage = Assert.Single(report.Stages);
        Assert.True(stage.StepWallSamples is > 0 and <= SmallHistorySiloFixture.History, $"{stage.StepWallSamples} step wall samples at {stage.StepsPerSecond} steps/s");
        Assert.NotNull(stage.StepWallP50Milliseconds);
        Assert.Null(report.StoppedAt);
    }
}
