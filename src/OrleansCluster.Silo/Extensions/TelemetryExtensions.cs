using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OrleansCluster.Grains.Telemetry;
using OrleansCluster.Silo.Telemetry;

namespace OrleansCluster.Silo.Extensions;

/// <summary>OpenTelemetry metrics out through the Prometheus exporter: the simulation's, Orleans', ASP.NET Core's, the runtime's.</summary>
internal static class TelemetryExtensions
{
    public static WebApplicationBuilder AddTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DcgmOptions>().BindConfiguration("Telemetry:Dcgm").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<TelemetryOptions>().BindConfiguration("Telemetry")
            .PostConfigure<IOptions<DcgmOptions>>((telemetry, dcgm) => telemetry.Dcgm |= dcgm.Value.Enabled);
        builder.Services.AddSingleton<DcgmWriter>();
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
