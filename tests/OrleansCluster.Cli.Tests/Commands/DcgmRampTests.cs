using OrleansCluster.Cli.Commands;

namespace OrleansCluster.Cli.Tests.Commands;

/// <summary>A silo that serves dcgm-exporter's series (<c>Telemetry:Dcgm</c>), whose pages grow large with the nodes.</summary>
public sealed class DcgmSiloFixture() : CliSiloFixture(new Dictionary<string, string> { ["Telemetry:Dcgm"] = "true" });

/// <summary>
/// Found by a newcomer's run: a ramp against a silo with dcgm telemetry spent 18 s on each closing scrape of a 234 MB
/// page without a word on why; it now warns, once, that the silo's pages are large.
/// </summary>
public sealed class DcgmRampTests(DcgmSiloFixture silo) : IClassFixture<DcgmSiloFixture>
{
    [Fact]
    public async Task ARampOfASiloWithDcgmTelemetryWarnsOnceThatItsPagesAreLarge()
    {
        using var admin = silo.CreateTargetClient();
        using var scraper = silo.CreateTargetClient();

        var report = await Ramp.RunAsync(admin, [scraper], new Ramp.Options([40, 80], Colossus: false, FloorStepsPerSecond: 0, TimeSpan.FromSeconds(1), TimeSpan.Zero), null, TestContext.Current.CancellationToken);

        Assert.Equal(2, report.Stages.Count);
        Assert.NotNull(report.Warning);
        Assert.Contains("dcgm telemetry (Telemetry:Dcgm)", report.Warning, StringComparison.Ordinal);
        Assert.Contains("is large", report.Warning, StringComparison.Ordinal);
        Assert.Contains(silo.Factory.Server.BaseAddress.ToString(), report.Warning, StringComparison.Ordinal);
    }
}
