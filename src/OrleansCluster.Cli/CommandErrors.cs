using System.Text.Json;

namespace OrleansCluster.Cli;

/// <summary>
/// The failures that make a command "could not run" (exit 2, one line on standard error) rather than a crash with a
/// stack trace: bad arguments (a file that is missing or cannot be read or written among them), a target that refuses or
/// does not answer, a call that timed out where the command does not count it, an answer that is not what the admin API
/// answers.
/// </summary>
public static class CommandErrors
{
    /// <summary>
    /// Whether <paramref name="e"/> is one of those. A cancellation is one only when the run itself was not cancelled:
    /// HttpClient reports its own timeout as a <see cref="TaskCanceledException"/>, the user's Ctrl+C as the same.
    /// </summary>
    public static bool CouldNotRun(Exception e, CancellationToken cancellationToken) =>
        e is ArgumentException or HttpRequestException or InvalidOperationException or IOException or UnauthorizedAccessException or JsonException
        || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested);

    /// <summary>
    /// The line to print for <paramref name="e"/>. A timeout names the call and the timeout where the call's handler
    /// named them (<see cref="NoAnswerException"/>, under HttpClient's own); HttpClient's message, naming the timeout,
    /// where the time ran out after the handler (reading the answer's body). HttpClient's inner message alone was
    /// "The operation was canceled.", naming neither.
    /// </summary>
    public static string Describe(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e is TaskCanceledException
            ? NoAnswer(e)?.Message ?? $"no answer in time: {e.Message}"
            : e is JsonException
                ? $"an answer was not the admin API's JSON: {e.Message}"
                : e.Message;
    }

    private static NoAnswerException? NoAnswer(Exception? e)
    {
        while (e is not null and not NoAnswerException)
        {
            e = e.InnerException;
        }

        return e as NoAnswerException;
    }
}
