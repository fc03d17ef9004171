using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OrleansCluster.Grains.Telemetry;
using OrleansCluster.Silo.Telemetry;

namespace OrleansCluster.Silo.Extensions;

/// <summary>
/// OpenTelemetry metrics out through the Prometheus exporter: Orleans', ASP.NET Core's, the runtime's. The simulation's
/// series are written by the host (<see cref="PrometheusText.WriteSimulation"/>), the running scenario's alone.
/// </summary>
internal static partial class TelemetryExtensions
{
    public static WebApplicationBuilder AddTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DcgmOptions>().BindConfiguration("Telemetry:Dcgm").ValidateDataAnnotations().ValidateOnStart();
        // Read key by key, not bound: Telemetry:Dcgm is both a switch (true) and the section of DcgmOptions, and a
        // binder handed the section (Telemetry:Dcgm:Enabled=true alone) failed the start converting '' to a bool.
        builder.Services.AddOptions<TelemetryOptions>()
            .Configure<IConfiguration>((telemetry, configuration) =>
            {
                telemetry.PerNode = Switch(configuration, "Telemetry:PerNode");
                telemetry.Dcgm = Switch(configuration, "Telemetry:Dcgm");
                telemetry.MaxSites = configuration.GetValue("Telemetry:MaxSites", TelemetryOptions.DefaultMaxSites);
                telemetry.DcgmMaxGpus = configuration.GetValue("Telemetry:DcgmMaxGpus", TelemetryOptions.DefaultDcgmMaxGpus);
            })
            .PostConfigure<IOptions<DcgmOptions>>((telemetry, dcgm) => telemetry.Dcgm |= dcgm.Value.Enabled)
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<TelemetryOptions>, TelemetryOptionsValidator>(); // names Telemetry:MaxSites, Telemetry:DcgmMaxGpus
        builder.Services.AddSingleton<DcgmWriter>();
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("orleanscluster-silo"))
            .WithMetrics(metrics => metrics
                .AddMeter("Microsoft.Orleans")
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter(options => options.ScrapeResponseCacheDurationMilliseconds = 0));
        builder.Services.ConfigureOpenTelemetryMeterProvider(
            (services, metrics) => metrics.AddView(OwnMetersOnly(services.GetRequiredService<IMeterFactory>())));
        return builder;
    }

    /// <summary>
    /// Logs one warning at start naming the dcgm settings given while the dcgm series are off: found by a newcomer's
    /// probe, <c>--Telemetry:Dcgm:Kubernetes=true</c> alone (without <c>Telemetry:Dcgm=true</c>) did nothing, silently.
    /// A setting given as false is left alone: it asks for nothing.
    /// </summary>
    public static void WarnOfDcgmSettingsWithoutDcgm(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<TelemetryOptions>>().Value.Dcgm)
        {
            return;
        }

        var keys = typeof(DcgmOptions).GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance)
            .Where(p => p.CanWrite && p.Name != nameof(DcgmOptions.Enabled))
            .Select(p => $"Telemetry:Dcgm:{p.Name}")
            .Append("Telemetry:DcgmMaxGpus")
            .Where(key => app.Configuration[key] is { Length: > 0 } value && !string.Equals(value, bool.FalseString, StringComparison.OrdinalIgnoreCase))
            .ToArray();
        if (keys.Length > 0)
        {
            LogDcgmOff(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("OrleansCluster.Silo.Settings"), string.Join(", ", keys));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "dcgm settings do nothing without Telemetry:Dcgm=true (or Telemetry:Dcgm:Enabled=true), which is not set: the dcgm-exporter series are off, and {Keys} with them")]
    private static partial void LogDcgmOff(ILogger logger, string keys);

    // A true/false setting, off when absent or empty (a section with keys under it has an empty value); a value that
    // is not a bool fails the start naming the key, as a bound option would.
    private static bool Switch(IConfiguration configuration, string key) =>
        !string.IsNullOrEmpty(configuration[key]) && configuration.GetValue<bool>(key);

    /// <summary>
    /// A view that drops the instruments of meters another host's <see cref="IMeterFactory"/> made. OpenTelemetry
    /// takes meters by name across the process, so where several hosts share one (tests, an embedding application)
    /// each page would otherwise carry every host's series of the same name mixed into one, and a host's shutdown
    /// completes its instruments, which retires the shared series on every page (seen in tests: a page with none of
    /// its own simulation series). Meters no factory made (Orleans', the runtime's) are the process's and stay.
    /// </summary>
    internal static Func<Instrument, MetricStreamConfiguration?> OwnMetersOnly(IMeterFactory own) =>
        instrument => instrument.Meter.Scope is IMeterFactory scope && !ReferenceEquals(scope, own) ? MetricStreamConfiguration.Drop : null;
}
