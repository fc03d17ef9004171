namespace OrleansCluster.Silo.Tests.Api;

/// <summary>
/// A test class with a silo of its own over real HTTP (Kestrel on the factory's <c>urls</c>, 127.0.0.1), started before
/// its tests and stopped after them: for settings no shared fixture has.
/// </summary>
public abstract class KestrelSiloTest : IAsyncLifetime
{
    protected KestrelSiloTest(SiloFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Factory = factory;
        Factory.UseKestrel();
    }

    protected SiloFactory Factory { get; }

    public ValueTask InitializeAsync()
    {
        Factory.StartServer();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
