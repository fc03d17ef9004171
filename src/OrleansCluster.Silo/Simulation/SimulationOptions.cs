using System.ComponentModel.DataAnnotations;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Silo.Simulation;

/// <summary>The <c>Simulation</c> configuration section: what runs at start, and how fast.</summary>
public sealed class SimulationOptions
{
    /// <summary>A preset name, or the path of a scenario JSON file.</summary>
    [Required]
    public string Scenario { get; set; } = "small";

    /// <summary><c>realtime</c> or <c>max</c>.</summary>
    [RegularExpression("^(?i:realtime|max)$", ErrorMessage = "Simulation:Pace must be realtime or max")]
    public string Pace { get; set; } = "realtime";

    /// <summary>Speed-up over wall time at realtime pace: within (0, 1e6], the bound <c>PUT /api/job/pace</c> and the job keep too.</summary>
    [Range(0, PaceSettings.MaxSpeed, MinimumIsExclusive = true)]
    public double Speed { get; set; } = 1;

    /// <summary>Start the job as soon as the silo is up.</summary>
    public bool StartOnLaunch { get; set; } = true;
}
