using System.Globalization;
using OrleansCluster.Cli;
using OrleansCluster.Testing;

namespace OrleansCluster.Cli.Tests;

/// <summary>
/// A real silo (Orleans and HTTP in this process, the shared <see cref="SiloFactory"/>) on <c>small</c> at
/// realtime x50 for the commands to drive, and the CLI's target for it.
/// </summary>
public class CliSiloFixture : IAsyncLifetime
{
    public const string Key = SiloFactory.AdminKey;

    public CliSiloFixture()
        : this(new Dictionary<string, string>())
    {
    }

    protected CliSiloFixture(IReadOnlyDictionary<string, string> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Factory = new SiloFactory
        {
            Scenario = "small",
            Pace = "realtime",
            Settings = new Dictionary<string, string>(settings)
            {
                ["Simulation:Speed"] = "50",
                ["Orleans:GatewayPort"] = GatewayPort.ToString(CultureInfo.InvariantCulture),
                ["Orleans:ClusterId"] = ClusterId,
            },
        };
    }

    public SiloFactory Factory { get; }

    public Target Target => new(Factory.Server.BaseAddress, Key);

    /// <summary>The silo's Orleans gateway port and cluster id, for the commands that connect as an Orleans client.</summary>
    public int GatewayPort { get; } = ManagedProcess.FreePort();

    public string ClusterId { get; } = $"cli-{Guid.NewGuid():N}";

    /// <summary>A client built the way the CLI builds its own, over the in-process server.</summary>
    public HttpClient CreateTargetClient() => Target.CreateClient(Factory.Server.CreateHandler());

    public ValueTask InitializeAsync()
    {
        _ = Factory.Server; // starts the host
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}

/// <summary>A silo whose admin API lets a caller make 5 mutations a second, in bursts of 5.</summary>
public sealed class RateLimitedSiloFixture() : CliSiloFixture(new Dictionary<string, string>
{
    ["Admin:MutationsPerSecond"] = "5",
    ["Admin:MutationBurst"] = "5",
});

/// <summary>
/// A silo whose fault registry admits one fault mutation at a time and queues none: the rest are refused 503 "Fault
/// registry busy" (with a rate limit high enough that none is refused 429).
/// </summary>
public sealed class BusyRegistrySiloFixture() : CliSiloFixture(new Dictionary<string, string>
{
    ["Admin:FaultMutationsInFlight"] = "1",
    ["Admin:FaultMutationsQueued"] = "0",
    ["Admin:MutationsPerSecond"] = "100000",
    ["Admin:MutationBurst"] = "100000",
});
