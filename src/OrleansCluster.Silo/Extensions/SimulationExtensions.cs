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
        builder.Services.AddHealthChecks().AddCheck<JobHealthCheck>("job");
        return builder;
    }
}
