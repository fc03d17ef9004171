using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OrleansCluster.Grains.Telemetry;

namespace OrleansCluster.Silo.Extensions;

/// <summary>OpenTelemetry metrics out through the Prometheus exporter: the simulation's, Orleans', ASP.NET Core's, the runtime's.</summary>
internal static class TelemetryExtensions
{
    public static WebApplicationBuilder AddTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<TelemetryOptions>().BindConfiguration("Telemetry");
        builder.Services.AddSingleton<OrleansCluster.Silo.Telemetry.DcgmWriter>();
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("orleanscluster-silo"))
            .WithMetrics(metrics => metrics
                .AddMeter(SimulationMetrics.MeterName, "Microsoft.Orleans")
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter(options => options.ScrapeResponseCacheDurationMilliseconds = 0));
        return builder;
    }
}
