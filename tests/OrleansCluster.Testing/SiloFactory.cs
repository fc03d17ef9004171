using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace OrleansCluster.Testing;

/// <summary>
/// The real host (Orleans silo and HTTP) in the test process, on free loopback ports so that several can run
/// beside a developer's own silo. The scenario, pace and admin settings are the test's; log lines are kept so
/// that tests can read the audit log.
/// </summary>
public sealed class SiloFactory : WebApplicationFactory<Program>
{
    public const string AdminKey = "test-admin-key";

    public string Scenario { get; init; } = "small";

    public string Pace { get; init; } = "max";

    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    public ConcurrentQueue<string> Logs { get; } = new();

    /// <summary>Services the test adds to the host's (a grain call filter, say), after the host's own.</summary>
    public Action<IServiceCollection>? ExtraServices { get; init; }

    /// <summary>A client that sends the admin key as a bearer token.</summary>
    public HttpClient CreateAdminClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Simulation:Scenario", Scenario);
        builder.UseSetting("Simulation:Pace", Pace);
        builder.UseSetting("Admin:ApiKey", AdminKey);
        builder.UseSetting("Orleans:SiloPort", Port(ManagedProcess.FreePort()));
        builder.UseSetting("Orleans:GatewayPort", Port(ManagedProcess.FreePort()));
        builder.UseSetting("Orleans:ClusterId", $"test-{Guid.NewGuid():N}");
        // What-ifs at the test run's own priority: at the default nice 19 an evaluation yields to every other test
        // process on the loaded cores and crawls past its client's timeout (CI, 2026-11-28); WhatIfPriorityTests sets it.
        builder.UseSetting("WhatIf:Nice", "0");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging => logging.Services.AddSingleton<ILoggerProvider>(new QueueLoggerProvider(Logs)));
        if (ExtraServices is { } services)
        {
            builder.ConfigureServices(services);
        }
    }

    private static string Port(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private sealed class QueueLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new QueueLogger(categoryName, lines);

        public void Dispose()
        {
        }
    }

    private sealed class QueueLogger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // The simulation's own lines, and every other category's errors (an error line is a finding wherever it comes from).
            if (category.StartsWith("OrleansCluster", StringComparison.Ordinal) || logLevel >= LogLevel.Error)
            {
                lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
            }
        }
    }
}
