using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using OrleansCluster.Cli;
using OrleansCluster.Testing;

namespace OrleansCluster.Cli.Tests;

/// <summary>A real silo (Orleans and HTTP in this process) for the commands to drive, and the CLI's target for it.</summary>
public class SiloFixture : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string Key = "cli-test-key";

    public Target Target => new(Server.BaseAddress, Key);

    /// <summary>The silo's Orleans gateway port and cluster id, for the commands that connect as an Orleans client.</summary>
    public int GatewayPort { get; } = int.Parse(FreePort(), System.Globalization.CultureInfo.InvariantCulture);

    public string ClusterId { get; } = $"cli-{Guid.NewGuid():N}";

    /// <summary>A client built the way the CLI builds its own, over the in-process server.</summary>
    public HttpClient CreateTargetClient() => Target.CreateClient(Server.CreateHandler());

    public ValueTask InitializeAsync()
    {
        _ = Server;
        return ValueTask.CompletedTask;
    }

    async ValueTask IAsyncDisposable.DisposeAsync()
    {
        await base.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Simulation:Scenario", "small");
        builder.UseSetting("Simulation:Pace", "realtime");
        builder.UseSetting("Simulation:Speed", "50");
        builder.UseSetting("Admin:ApiKey", Key);
        builder.UseSetting("Orleans:SiloPort", FreePort());
        builder.UseSetting("Orleans:GatewayPort", GatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Orleans:ClusterId", ClusterId);
        Configure(builder);
    }

    /// <summary>Settings of a fixture of another kind, applied after the common ones.</summary>
    protected virtual void Configure(IWebHostBuilder builder)
    {
    }

    private static string FreePort() => ManagedProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A silo whose admin API lets a caller make 5 mutations a second, in bursts of 5.</summary>
public sealed class RateLimitedSiloFixture : SiloFixture
{
    protected override void Configure(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseSetting("Admin:MutationsPerSecond", "5");
        builder.UseSetting("Admin:MutationBurst", "5");
    }
}
