using OrleansCluster.Testing;

namespace OrleansCluster.Silo.Tests.Cluster;

/// <summary>
/// A dcgm setting given while the dcgm series are off is named in one warning at start, with the setting that turns
/// them on (found by a newcomer's probe: <c>--Telemetry:Dcgm:Kubernetes=true</c> alone did nothing, silently).
/// </summary>
public sealed class DcgmSettingsWithoutDcgmTests
{
    private const string Warning = "dcgm settings do nothing without Telemetry:Dcgm=true";

    [Fact]
    public async Task ADcgmSettingWithoutTheDcgmSeriesOnIsNamedInOneWarning()
    {
        await using var factory = new SiloFactory
        {
            Settings = new Dictionary<string, string> { ["Telemetry:Dcgm:Kubernetes"] = "true", ["Telemetry:Dcgm:Slurm"] = "false" },
        };
        using var client = factory.CreateClient(); // starts the host

        var warning = Assert.Single(factory.Logs, l => l.Contains(Warning, StringComparison.Ordinal));

        // Named with the switch; Slurm=false asks for nothing and is left out.
        Assert.EndsWith("(or Telemetry:Dcgm:Enabled=true), which is not set: the dcgm-exporter series are off, and Telemetry:Dcgm:Kubernetes with them", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("Slurm", warning, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Telemetry:Dcgm")]
    [InlineData("Telemetry:Dcgm:Enabled")]
    public async Task WithTheDcgmSeriesOnNothingIsSaid(string on)
    {
        await using var factory = new SiloFactory
        {
            Settings = new Dictionary<string, string> { [on] = "true", ["Telemetry:Dcgm:Kubernetes"] = "true" },
        };
        using var client = factory.CreateClient();

        Assert.DoesNotContain(factory.Logs, l => l.Contains(Warning, StringComparison.Ordinal));
    }
}
