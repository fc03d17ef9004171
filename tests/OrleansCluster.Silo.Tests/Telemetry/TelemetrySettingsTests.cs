using OrleansCluster.Silo.Tests.Api;

namespace OrleansCluster.Silo.Tests.Telemetry;

/// <summary><c>Telemetry:Dcgm</c> is a switch and a section: either way of turning dcgm mode on starts the silo.</summary>
public sealed class TelemetrySettingsTests
{
    [Fact]
    public async Task DcgmTurnedOnByItsSectionsEnabledKeyAloneStartsAndPublishesGpuSeries()
    {
        // Found while testing the warning of unknown settings: a Telemetry:Dcgm section with no Telemetry:Dcgm=true
        // failed the start (the Telemetry binder converted the section's empty value to a bool).
        await using var factory = new SiloFactory
        {
            Pace = "realtime",
            Settings = new Dictionary<string, string> { ["Simulation:Speed"] = "50", ["Telemetry:Dcgm:Enabled"] = "true", ["Telemetry:Dcgm:Namespace"] = "ml-research" },
        };
        using var client = factory.CreateClient();

        var deadline = DateTime.UtcNow.AddSeconds(120);
        string page;
        while (!(page = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative), AdminClient.Ct)).Contains("DCGM_FI_DEV_GPU_UTIL{", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, "no DCGM_FI_DEV_GPU_UTIL series on /metrics");
            await Task.Delay(100, AdminClient.Ct);
        }

        Assert.Contains("DCGM_FI_DEV_GPU_UTIL{", page, StringComparison.Ordinal);
    }
}
