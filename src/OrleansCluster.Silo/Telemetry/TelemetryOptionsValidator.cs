using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using OrleansCluster.Grains.Telemetry;

namespace OrleansCluster.Silo.Telemetry;

/// <summary>
/// Checks <see cref="TelemetryOptions"/> against the bounds its attributes declare, naming each setting at fault by its
/// key (<c>Telemetry:MaxSites</c>): the data annotations' own message named the class and the bare property.
/// </summary>
public sealed class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>
{
    public ValidateOptionsResult Validate(string? name, TelemetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var results = new List<ValidationResult>();
        return Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(results.Select(r => $"Telemetry:{string.Join(", ", r.MemberNames)}: {r.ErrorMessage}"));
    }
}
