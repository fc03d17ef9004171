namespace OrleansCluster.Testing;

/// <summary>
/// One real silo per test class served by Kestrel on a free loopback port, as in production: Kestrel enforces
/// limits (the request body size) that the in-memory test server does not.
/// </summary>
public sealed class KestrelSiloFixture : IAsyncLifetime
{
    public SiloFactory Factory { get; } = new()
    {
        Scenario = "small",
        Pace = "realtime",
        Settings = new Dictionary<string, string> { ["Simulation:Speed"] = "50", ["urls"] = "http://127.0.0.1:0" },
    };

    public ValueTask InitializeAsync()
    {
        Factory.UseKestrel();
        Factory.StartServer();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await Factory.DisposeAsync();
}
