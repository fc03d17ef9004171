using Microsoft.Extensions.Options;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Silo.Simulation;

/// <summary>
/// Loads <c>Simulation:Scenario</c> once the silo is up and starts the job at the configured pace. A scenario
/// that does not validate stops the host with the fields at fault.
/// </summary>
internal sealed partial class SimulationStarter(IGrainFactory grains, IOptions<SimulationOptions> options, IOptions<SimulationTuning> tuning, ILogger<SimulationStarter> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.StartOnLaunch)
        {
            return;
        }

        var source = await ResolveAsync(settings.Scenario, tuning.Value, cancellationToken);
        var job = grains.GetGrain<IJobGrain>(IJobGrain.Key);
        var pace = string.Equals(settings.Pace, "max", StringComparison.OrdinalIgnoreCase) ? PaceSettings.Max : PaceSettings.Realtime(settings.Speed);
        if (await job.StartIfIdleAsync(source, pace))
        {
            LogStarted(logger, settings.Scenario, settings.Pace, settings.Speed);
        }
        else
        {
            var running = await job.GetStatusAsync();
            LogJoined(logger, running.Scenario);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// A preset by name, or a file read and validated here so that errors name the file's fields; either refused
    /// when it holds more nodes than <c>Simulation:MaxNodes</c>, before anything is built.
    /// </summary>
    public static async Task<ScenarioSource> ResolveAsync(string scenario, SimulationTuning tuning, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tuning);
        if (ScenarioPresets.TryGetJson(scenario, out _))
        {
            ThrowIfTooLarge(scenario, ScenarioPresets.Load(scenario), tuning);
            return ScenarioSource.FromPreset(scenario);
        }

        if (!File.Exists(scenario))
        {
            throw new OptionsValidationException("Simulation:Scenario", typeof(SimulationOptions),
                [$"Simulation:Scenario '{scenario}' is neither a preset ({string.Join(", ", ScenarioPresets.Names)}) nor a file"]);
        }

        var json = await File.ReadAllTextAsync(scenario, cancellationToken);
        if (!ScenarioLoader.TryParse(json, out var parsed, out var errors))
        {
            throw new OptionsValidationException("Simulation:Scenario", typeof(SimulationOptions),
                errors.Select(e => $"{scenario}: {e}"));
        }

        ThrowIfTooLarge(scenario, parsed!, tuning);
        if (NominalStep.CompletionError(parsed!) is { } never)
        {
            throw new OptionsValidationException("Simulation:Scenario", typeof(SimulationOptions), [$"{scenario}: {never}"]);
        }

        return ScenarioSource.FromJson(json);
    }

    private static void ThrowIfTooLarge(string name, Scenario scenario, SimulationTuning tuning)
    {
        if (tuning.SizeError(scenario) is { } error)
        {
            throw new OptionsValidationException(SimulationTuning.MaxNodesSetting, typeof(SimulationTuning),
                [$"Simulation:Scenario '{name}': {error}"]);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "joined a cluster whose job already runs scenario {Scenario}")]
    private static partial void LogJoined(ILogger logger, string scenario);

    [LoggerMessage(Level = LogLevel.Information, Message = "simulation started: scenario {Scenario}, pace {Pace} x{Speed}")]
    private static partial void LogStarted(ILogger logger, string scenario, string pace, double speed);
}
