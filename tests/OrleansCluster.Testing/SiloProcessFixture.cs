namespace OrleansCluster.Testing;

/// <summary>
/// The built silo as users run it, one process on 127.0.0.1 with free ports: the embedded cluster on
/// <c>small</c> at realtime x50, with <see cref="Key"/> as its admin key, for the tests that drive it from outside.
/// </summary>
public sealed class SiloProcessFixture : IAsyncLifetime
{
    public const string Key = "program-test-key";
    private ManagedProcess? _silo;

    public int HttpPort { get; } = ManagedProcess.FreePort();

    public int GatewayPort { get; } = ManagedProcess.FreePort();

    public string ClusterId { get; } = $"program-{Guid.NewGuid():N}";

    public string Url => $"http://127.0.0.1:{HttpPort}";

    public async ValueTask InitializeAsync()
    {
        _silo = ManagedProcess.StartSilo(HttpPort, [
            $"--Admin:ApiKey={Key}", "--Simulation:Scenario=small", "--Simulation:Pace=realtime", "--Simulation:Speed=50",
            $"--Orleans:SiloPort={ManagedProcess.FreePort()}", $"--Orleans:GatewayPort={GatewayPort}", $"--Orleans:ClusterId={ClusterId}"]);
        await _silo.WaitUntilAnsweringAsync($"{Url}/healthz");
    }

    public async ValueTask DisposeAsync()
    {
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }
    }
}
