using System.Reflection;
using OrleansCluster.Grains;
using OrleansCluster.Grains.Faults;
using OrleansCluster.Grains.Telemetry;
using OrleansCluster.Silo.Security;
using OrleansCluster.Silo.Simulation;
using OrleansCluster.Silo.Telemetry;

namespace OrleansCluster.Silo.Extensions;

/// <summary>
/// Settings in this silo's own sections that nothing reads: a misspelt key (<c>Simulation:Scenerio</c>) was taken
/// silently and the silo ran on the default (found by a newcomer's run). Each is logged once at start as a warning
/// naming the key and the keys its section does have; the silo still starts (another version's settings, or a
/// key meant for a later one, should not stop it).
/// </summary>
internal static partial class UnknownSettings
{
    // Each section of ours and the options bound from it (a section may feed several); subsections by name.
    private static readonly Dictionary<string, Type[]> Sections = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Simulation"] = [typeof(SimulationOptions), typeof(SimulationTuning)],
        ["Admin"] = [typeof(AdminOptions), typeof(FaultLimits)],
        ["Telemetry"] = [typeof(TelemetryOptions)],
        ["Telemetry:Dcgm"] = [typeof(DcgmOptions)],
        ["WhatIf"] = [typeof(WhatIfOptions)],
        ["Orleans"] = [typeof(OrleansHostOptions)],
    };

    // Keys read straight from the configuration rather than bound; under Orleans, the sections Orleans reads itself
    // (the host writes Clustering's and GrainStorage's; an operator may give the others).
    private static readonly Dictionary<string, string[]> ReadDirectly = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Http"] = [HostExtensions.InlineSchedulingKey.Split(':')[1]],
        ["Telemetry"] = ["Dcgm"],
        ["Orleans"] = ["ServiceId", "Endpoints", "GrainStorage", "Reminders", "Streaming", "BroadcastChannel", "GrainDirectory"],
    };

    /// <summary>The full keys under this silo's sections that no option reads, each with the keys its section has.</summary>
    public static IEnumerable<(string Key, string Known)> Find(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        foreach (var section in Sections.Keys.Concat(ReadDirectly.Keys).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var known = Known(section);
            foreach (var child in configuration.GetSection(section).GetChildren())
            {
                if (!known.Contains(child.Key))
                {
                    yield return ($"{section}:{child.Key}", string.Join(", ", known.Order(StringComparer.Ordinal)));
                }
            }
        }
    }

    /// <summary>Logs each unknown setting once, as a warning.</summary>
    public static void WarnOfUnknownSettings(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("OrleansCluster.Silo.Settings");
        foreach (var (key, known) in Find(app.Configuration))
        {
            LogUnknown(logger, key, known);
        }
    }

    private static HashSet<string> Known(string section)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var type in Sections.GetValueOrDefault(section) ?? [])
        {
            names.UnionWith(type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).Select(p => p.Name));
        }

        names.UnionWith(ReadDirectly.GetValueOrDefault(section) ?? []);
        return names;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "setting {Key} is not one this silo reads, and is ignored (the section's settings: {Known})")]
    private static partial void LogUnknown(ILogger logger, string key, string known);
}
