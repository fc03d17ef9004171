using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace OrleansCluster.Grains;

/// <summary>
/// Checks <see cref="SimulationTuning"/> against the bounds its attributes declare, for every silo that adds the
/// simulation (the host, in-process test clusters, benchmarks), naming each setting at fault.
/// </summary>
public sealed class SimulationTuningValidator : IValidateOptions<SimulationTuning>
{
    public ValidateOptionsResult Validate(string? name, SimulationTuning options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var results = new List<ValidationResult>();
        return Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(results.Select(r => $"Simulation:{string.Join(", ", r.MemberNames)}: {r.ErrorMessage}"));
    }
}
