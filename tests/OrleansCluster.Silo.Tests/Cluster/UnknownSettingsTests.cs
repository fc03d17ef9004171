namespace OrleansCluster.Silo.Tests.Cluster;

/// <summary>
/// A setting under one of the silo's sections that nothing reads is named in a warning at start (found by a
/// newcomer's run: <c>Simulation:Scenerio=colossus</c> ran <c>small</c> without a word); the silo still starts.
/// </summary>
public sealed class UnknownSettingsTests
{
    [Fact]
    public async Task AMisspeltSettingIsNamedInAWarningAndTheSettingsTheSiloReadsAreNot()
    {
        await using var factory = new SiloFactory
        {
            Settings = new Dictionary<string, string>
            {
                ["Simulation:Scenerio"] = "colossus",
                ["Admin:MaxLiveFault"] = "5",
                ["Telemetry:Dcgm:Namespce"] = "x",
                ["Simulation:Speed"] = "50",
                ["Telemetry:PerNode"] = "false",
            },
        };
        using var client = factory.CreateClient(); // starts the host

        var warnings = factory.Logs.Where(l => l.Contains("is not one this silo reads", StringComparison.Ordinal)).ToArray();

        Assert.Equal(
            ["Admin:MaxLiveFault", "Simulation:Scenerio", "Telemetry:Dcgm:Namespce"],
            warnings.Select(w => w.Split(' ')[2]).Order(StringComparer.Ordinal));
        Assert.Contains(warnings, w => w.Contains("Simulation:Scenerio", StringComparison.Ordinal) && w.Contains("Scenario", StringComparison.Ordinal));
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync(new Uri("/healthz", UriKind.Relative), TestContext.Current.CancellationToken)).StatusCode);
    }
}
