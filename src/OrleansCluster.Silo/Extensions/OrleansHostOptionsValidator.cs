using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace OrleansCluster.Silo.Extensions;

/// <summary>
/// The bounds of <see cref="OrleansHostOptions"/>: its attributes, and Redis clustering needing a connection string.
/// The section configures Orleans itself, so it is read before the host is built, where the options pipeline
/// does not run yet: <see cref="Read"/> binds and validates it there, once, through this validator.
/// </summary>
public sealed class OrleansHostOptionsValidator : IValidateOptions<OrleansHostOptions>
{
    public const string Section = "Orleans";

    public ValidateOptionsResult Validate(string? name, OrleansHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        var failures = results.Select(r => r.ErrorMessage ?? $"{Section}:{string.Join(", ", r.MemberNames)} is not valid").ToList();
        if (options.IsRedis && string.IsNullOrWhiteSpace(options.Redis))
        {
            failures.Add("Orleans:Clustering=Redis needs Orleans:Redis (a Redis connection string, e.g. 127.0.0.1:6379)");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>
    /// The section, bound and validated once per builder (the port check and the Orleans set-up both read it);
    /// throws <see cref="OptionsValidationException"/> naming each setting at fault.
    /// </summary>
    public static OrleansHostOptions Read(WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Host.Properties.TryGetValue(typeof(OrleansHostOptions), out var read))
        {
            return (OrleansHostOptions)read;
        }

        var options = builder.Configuration.GetSection(Section).Get<OrleansHostOptions>() ?? new OrleansHostOptions();
        var result = new OrleansHostOptionsValidator().Validate(Options.DefaultName, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(Section, typeof(OrleansHostOptions), result.Failures);
        }

        builder.Host.Properties[typeof(OrleansHostOptions)] = options;
        return options;
    }
}
