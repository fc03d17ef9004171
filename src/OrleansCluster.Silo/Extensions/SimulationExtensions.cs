using Microsoft.Extensions.Diagnostics.HealthChecks;
using OrleansCluster.Grains;
using OrleansCluster.Silo.Simulation;

namespace OrleansCluster.Silo.Extensions;

/// <summary>Binds the simulation's options and starts the job with the host.</summary>
internal static class SimulationExtensions
{
    public static WebApplicationBuilder AddSimulation(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<SimulationOptions>().BindConfiguration("Simulation").ValidateDataAnnotations().ValidateOnStart();
        // Validated by SimulationTuningValidator, which AddClusterSimulation registers for every silo.
        builder.Services.AddOptions<SimulationTuning>().BindConfiguration("Simulation").ValidateOnStart();
        builder.Services.AddHostedService<SimulationStarter>();
        builder.Services.AddHostedService<JobKeeper>();
        builder.Services.AddHostedService<SiloDrain>();
        builder.Services.AddSingleton<LayoutCache>();
        builder.Services.AddOptions<WhatIfOptions>().BindConfiguration("WhatIf").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<WhatIfWorker>();
        builder.Services.AddHealthChecks().AddCheck<JobHealthCheck>("job").AddCheck<FaultRegistryHealthCheck>("faults");

        // The health service writes an error line for every unhealthy answer, and /healthz is open: a probe every
        // second of a stalled job wrote a line a second (thousands under a load of probes, found by probing). The
        // job logs its own failures, held to one line per interval; the answer says why to whoever asks.
        builder.Logging.AddFilter(typeof(HealthCheckService).Namespace + ".DefaultHealthCheckService", LogLevel.None);
        return builder;
    }
}
