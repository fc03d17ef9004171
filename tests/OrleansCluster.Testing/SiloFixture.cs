namespace OrleansCluster.Testing;

/// <summary>
/// One real silo per test class. Realtime pace at speed 50 keeps a step about every 20 ms without a core
/// spinning, so that test classes running side by side do not starve each other.
/// </summary>
public sealed class SiloFixture : IAsyncLifetime
{
    public SiloFactory Factory { get; } = new()
    {
        Scenario = "small",
        Pace = "realtime",
        Settings = new Dictionary<string, string> { ["Simulation:Speed"] = "50" },
    };

    public ValueTask InitializeAsync()
    {
        _ = Factory.Server; // starts the host
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await Factory.DisposeAsync();
}
