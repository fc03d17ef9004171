using System.Globalization;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using OrleansCluster.Cli;
using OrleansCluster.Testing;

namespace OrleansCluster.Cli.Tests;

/// <summary>
/// A real silo served by Kestrel on 127.0.0.1 (so that the built CLI, or a <see cref="DyingRelay"/> in front of it, can
/// reach it), on <c>small</c> at realtime x50; a fixture that needs more of the silo adds its services.
/// </summary>
public class KestrelCliSiloFixture : IAsyncLifetime
{
    private readonly int _httpPort = ManagedProcess.FreePort();

    public KestrelCliSiloFixture()
        : this(extraServices: null)
    {
    }

    protected KestrelCliSiloFixture(Action<IServiceCollection>? extraServices)
    {
        Factory = new SiloFactory
        {
            Scenario = "small",
            Pace = "realtime",
            Settings = new Dictionary<string, string>
            {
                ["Simulation:Speed"] = "50",
                ["urls"] = Url,
            },
            ExtraServices = extraServices,
        };
        Factory.UseKestrel();
    }

    public SiloFactory Factory { get; }

    public string Url => $"http://127.0.0.1:{_httpPort.ToString(CultureInfo.InvariantCulture)}";

    public Target Target => new(new Uri(Url), SiloFactory.AdminKey);

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
