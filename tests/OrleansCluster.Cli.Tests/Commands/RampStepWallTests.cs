using System.Text.Json;
using OrleansCluster.Cli.Commands;
using OrleansCluster.Cli.Reports;

namespace OrleansCluster.Cli.Tests.Commands;

/// <summary>
/// Found by a newcomer's run: a ramp against a silo with dcgm telemetry printed a step wall of "0.00" ms p50 and p99
/// with no sample behind it. Its closing scrape (a 234 MB page, 18 s) outlasted the job's step history (the last
/// 4,096 steps at max pace), which was read after it, by when the window's steps had rolled out.
/// </summary>
public sealed class RampStepWallTests(CliSiloFixture silo) : IClassFixture<CliSiloFixture>
{
    /// <summary>The steps the job keeps (Simulation:HistoryCapacity's default, the fixture's).</summary>
    private const int History = 4096;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AClosingScrapeThatOutlastsTheStepHistoryStillLeavesTheWindowsStepWalls()
    {
        using var admin = silo.CreateTargetClient();
        using var watcher = silo.CreateTargetClient();
        using var scraper = silo.Target.CreateClient(new HistoryOutlastingScrapes(watcher) { InnerHandler = silo.Factory.Server.CreateHandler() });

        var report = await Ramp.RunAsync(admin, [scraper], new Ramp.Options([40], Colossus: false, FloorStepsPerSecond: 0, TimeSpan.FromSeconds(1), TimeSpan.Zero), null, Ct);

        var stage = Assert.Single(report.Stages);
        Assert.True(stage.StepWallSamples > 0, $"{stage.StepWallSamples} step wall samples at {stage.StepsPerSecond} steps/s");
        Assert.NotNull(stage.StepWallP50Milliseconds);
        Assert.True(stage.StepWallP50Milliseconds > 0 && stage.StepWallP50Milliseconds <= stage.StepWallP99Milliseconds, $"{stage}");
        Assert.Null(report.Warning); // no dcgm series on this silo's page
    }

    [Fact]
    public void AStageWithoutStepWallSamplesShowsADashAndJsonNullNotZero()
    {
        Ramp.SiloFigures[] silos = [new("http://127.0.0.1:8080/", 12.5, 200_000, 900, 150, 0.8, 2, 0)];
        var stage = new Ramp.Stage("ramp-40", 40, 0.1, 250, null, null, 0, 5_000, 12.5, 200_000, 150, 0.8, 2, new Ramp.MachineFigures(2, 1, 1), silos, true, "not CPU-bound");
        var report = new Ramp.Report(1, 1, [stage], "ramp-40", null);

        var row = Assert.Single(Assert.Single(report.Tables()).Rows);
        var headers = report.Tables()[0].Headers;
        Assert.Equal("-", row[IndexOf(headers, "wall p50 ms")]);
        Assert.Equal("-", row[IndexOf(headers, "wall p99 ms")]);
        using var json = JsonDocument.Parse(ReportWriter.ToJson(report));
        var written = json.RootElement.GetProperty("stages")[0];
        Assert.Equal(JsonValueKind.Null, written.GetProperty("stepWallP50Milliseconds").ValueKind);
        Assert.Equal(JsonValueKind.Null, written.GetProperty("stepWallP99Milliseconds").ValueKind);
        Assert.Equal(0, written.GetProperty("stepWallSamples").GetInt32());
    }

    private static int IndexOf(IReadOnlyList<string> headers, string header)
    {
        var i = headers.ToList().IndexOf(header);
        Assert.True(i >= 0, $"no column '{header}' in {string.Join(", ", headers)}");
        return i;
    }

    /// <summary>
    /// Makes the ramp's closing scrape of each size (its second <c>/metrics</c>) as slow as a large page's: it goes out
    /// only once the job has stepped past all the history held when it began, and the window's steps with it.
    /// </summary>
    private sealed class HistoryOutlastingScrapes(HttpClient watcher) : DelegatingHandler
    {
        private int _scrapes;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri?.AbsolutePath == "/metrics" && Interlocked.Increment(ref _scrapes) % 2 == 0)
            {
                var from = (await SiloApi.ClusterAsync(watcher, cancellationToken)).Job.Step;
                var deadline = DateTime.UtcNow.AddMinutes(5);
                while ((await SiloApi.ClusterAsync(watcher, cancellationToken)).Job.Step <= from + History)
                {
                    Assert.True(DateTime.UtcNow < deadline, $"waited 5 min for the job to step {History} steps past {from}");
                    await Task.Delay(50, cancellationToken);
                }
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
