using OrleansCluster.Cli.Commands;
using OrleansCluster.Cli.Reports;

namespace OrleansCluster.Cli.Tests.Commands;

/// <summary>The ramp loads its own scenarios, so it has a silo of its own.</summary>
public sealed class RampTests(SiloFixture silo) : IClassFixture<SiloFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RampMeasuresEachSizeUntilTheLast()
    {
        using var admin = silo.CreateTargetClient();
        using var scraper = silo.CreateTargetClient();
        var progress = new Recorded();

        var report = await Ramp.RunAsync(admin, [scraper], new Ramp.Options([40, 120], Colossus: false, FloorStepsPerSecond: 1, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(0.5)), progress, Ct);

        Assert.Equal(["ramp-40", "ramp-120"], report.Stages.Select(s => s.Scenario));
        Assert.Equal([40, 120], report.Stages.Select(s => s.Nodes));
        Assert.All(report.Stages, s =>
        {
            Assert.True(s.HeldFloor);
            Assert.True(s.StepsPerSecond >= 1, $"{s.Scenario}: {s.StepsPerSecond} steps/s");
            Assert.True(s.StepWallSamples > 0 && s.StepWallSamples <= s.StepsPerSecond * 2 * 1.5, $"{s.StepWallSamples} samples");
            Assert.True(s.StepWallP50Milliseconds > 0 && s.StepWallP50Milliseconds <= s.StepWallP99Milliseconds);
            Assert.True(s.GrainCallsPerSecond > 0);
            Assert.True(s.LoadSeconds > 0);
            var only = Assert.Single(s.Silos);
            Assert.True(only.ScrapeBytes > 10_000 && only.Samples > 100 && only.ScrapeMilliseconds > 0);
            Assert.Equal((only.ScrapeBytes, only.WorkingSetMiB, only.CpuCoresBusy), (s.ScrapeBytes, s.WorkingSetMiB, s.CpuCoresBusy));
            Assert.True(s.WorkingSetMiB > 10);
            Assert.Equal(Environment.ProcessorCount, s.CpuCount);
            Assert.InRange(s.CpuCoresBusy, 0.01, Environment.ProcessorCount + 0.5);
            Assert.False(string.IsNullOrWhiteSpace(s.Limit));
        });
        Assert.Equal("ramp-120", report.LargestHeld);
        Assert.Null(report.StoppedAt);
        Assert.True(report.Held());

        // The live display saw each size load, warm up and be measured, in order, and end at 100 %.
        foreach (var name in new[] { "ramp-40", "ramp-120" })
        {
            var seen = progress.Of(name);
            Assert.Equal("loading", seen[0].Status);
            Assert.Contains(seen, p => p.Status == "measuring");
            Assert.Equal(seen.Select(p => p.Fraction).Order(), seen.Select(p => p.Fraction));
            Assert.Equal(1, seen[^1].Fraction);
            Assert.EndsWith("steps/s", seen[^1].Status, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task RampStopsAtTheFirstSizeUnderTheFloorAndSaysWhy()
    {
        using var client = silo.CreateTargetClient();

        var report = await Ramp.RunAsync(client, [client], new Ramp.Options([40, 120], Colossus: false, FloorStepsPerSecond: 1e9, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(0.2)), null, Ct);

        var stage = Assert.Single(report.Stages);
        Assert.False(stage.HeldFloor);
        Assert.Null(report.LargestHeld);
        Assert.StartsWith("ramp-40:", report.StoppedAt, StringComparison.Ordinal);
        Assert.Contains("below the floor", report.StoppedAt, StringComparison.Ordinal);
        Assert.EndsWith(stage.Limit, report.StoppedAt, StringComparison.Ordinal);
        Assert.Contains("cores busy", stage.Limit, StringComparison.Ordinal);
        Assert.False(report.Held());
    }

    [Fact]
    public async Task ASizeThatDoesNotLoadEndsTheRampWithWhatTheSiloAnswered()
    {
        using var refused = new Target(silo.Server.BaseAddress, "not-the-key").CreateClient(silo.Server.CreateHandler());

        var report = await Ramp.RunAsync(refused, [refused], new Ramp.Options([40], Colossus: false, FloorStepsPerSecond: 1, TimeSpan.FromSeconds(1), TimeSpan.Zero), null, Ct);

        Assert.Empty(report.Stages);
        Assert.Null(report.LargestHeld);
        Assert.StartsWith("ramp-40: the scenario did not load: PUT /api/scenario answered 401", report.StoppedAt, StringComparison.Ordinal);
        Assert.False(report.Held());
    }

    [Theory]
    [InlineData(new[] { 40, 0 }, "--sizes: 0 is not a node count")]
    [InlineData(new int[0], "--sizes: nothing to ramp through")]
    public async Task SizesThatAreNotNodeCountsAreRefusedBeforeAnythingLoads(int[] sizes, string error)
    {
        using var client = silo.CreateTargetClient();
        var before = await ScenarioAsync(client);

        var refused = await Assert.ThrowsAsync<ArgumentException>(() => Ramp.RunAsync(client, [client], new Ramp.Options(sizes, Colossus: false, 1, TimeSpan.FromSeconds(1), TimeSpan.Zero), null, Ct));

        Assert.StartsWith(error, refused.Message, StringComparison.Ordinal);
        Assert.Equal(before, await ScenarioAsync(client));
    }

    private static async Task<string?> ScenarioAsync(HttpClient client) =>
        (await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<System.Text.Json.JsonElement>(client, "/api/cluster", Ct)).GetProperty("scenario").GetString();

    /// <summary>Records reports synchronously, in the order they were made.</summary>
    private sealed class Recorded : IProgress<RunProgress>
    {
        private readonly List<RunProgress> _reports = [];

        public void Report(RunProgress value)
        {
            lock (_reports)
            {
                _reports.Add(value);
            }
        }

        public RunProgress[] Of(string task)
        {
            lock (_reports)
            {
                return _reports.Where(r => r.Task == task).ToArray();
            }
        }
    }
}
