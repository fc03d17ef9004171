using Microsoft.Extensions.Options;

namespace OrleansCluster.Silo.Extensions;

/// <summary>
/// A setting out of its bounds stops the silo process at start with one line naming each setting at fault and exit
/// code 1, as a taken port does, rather than as an unhandled exception (a stack trace, then an abort: exit code 134).
/// The settings the host validates on start are validated once it is built, before it starts (so that the host's
/// own start does not log the failure with its stack trace); the refusal is made when that failure leaves the program
/// unhandled, so that a host started in process by a test (WebApplicationFactory, which catches what the program
/// throws) still sees the exception itself.
/// </summary>
internal static class StartupRefusal
{
    private static int _registered;

    /// <summary>Registers the refusal once per process (a test process starts the program many times).</summary>
    public static void RefuseInvalidSettingsInOneLine()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 0)
        {
            AppDomain.CurrentDomain.UnhandledException += OnUnhandled;
        }
    }

    /// <summary>Validates the settings the host would validate as it starts: throws <see cref="OptionsValidationException"/>.</summary>
    public static void ValidateSettings(this WebApplication app) => app.Services.GetService<IStartupValidator>()?.Validate();

    /// <summary>The line for <paramref name="failure"/> if it is the validation of settings, or null.</summary>
    public static string? Line(object failure)
    {
        var failures = failure switch
        {
            OptionsValidationException invalid => invalid.Failures,
            AggregateException all when all.InnerExceptions.Count > 0 && all.InnerExceptions.All(e => e is OptionsValidationException)
                => all.InnerExceptions.Cast<OptionsValidationException>().SelectMany(e => e.Failures),
            _ => null,
        };
        return failures is null ? null : $"the silo did not start: {string.Join("; ", failures)}";
    }

    private static void OnUnhandled(object sender, UnhandledExceptionEventArgs e)
    {
        if (Line(e.ExceptionObject) is { } line)
        {
            Console.Error.WriteLine(line);
            Environment.Exit(1);
        }
    }
}
