using Microsoft.Extensions.Logging;

namespace OrleansCluster.Grains.Faults;

/// <summary>The registry's source-generated log lines.</summary>
public sealed partial class FaultRegistryGrain
{
    // The campaign's name is the caller's text: the API holds it to 64 characters of [A-Za-z0-9_.-], but a client of
    // the grain itself is not held to that, so here it is cut short and its control characters escaped (a line break
    // would forge a log line, an escape sequence repaint a terminal), as the audit line does with a body.
    private static void LogInjected(ILogger logger, string id, string kind, int targets, string? campaign) =>
        LogInjectedAs(logger, id, kind, targets, campaign is null ? null : Printable(campaign));

    [LoggerMessage(Level = LogLevel.Information, Message = "fault {Id} injected: {Kind} on {Targets} target(s), campaign {Campaign}")]
    private static partial void LogInjectedAs(ILogger logger, string id, string kind, int targets, string? campaign);

    private const int LoggedNameLength = 64;

    private static string Printable(string text) =>
        LogText.Escape(text.Length <= LoggedNameLength ? text : string.Concat(text.AsSpan(0, LoggedNameLength), $"... ({text.Length} chars)"));

    [LoggerMessage(Level = LogLevel.Warning, Message = "fault {Id} could not be resolved again on this scenario and is dropped: {Problems}")]
    private static partial void LogUnresolved(ILogger logger, string id, string problems);

    [LoggerMessage(Level = LogLevel.Warning, Message = "fault {Id} was stored with clockRatio {Stored}, under the least this build allows; it is kept, held at {ClockRatio}")]
    private static partial void LogClamped(ILogger logger, string id, double stored, double clockRatio);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the effect on {Target} could not be pushed, retrying in 1 s: {Reason}")]
    private static partial void LogPushFailed(ILogger logger, string target, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the faults could not be written ({Error}: {Message}); the change is not made")]
    private static partial void LogWriteFailed(ILogger logger, string error, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the faults' expiry could not be written ({Error}: {Message}); their effects are taken back all the same, and the write is tried again each second (this line at most once per 10 s)")]
    private static partial void LogExpirySaveFailed(ILogger logger, string error, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "background failure {Id}: {Cause} ({Kind}) on {Target} at simulated {SimulatedSeconds:0.###} s")]
    private static partial void LogBackground(ILogger logger, string id, string cause, string kind, string? target, double simulatedSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "fault {Id} ({Kind}) expired")]
    private static partial void LogExpired(ILogger logger, string id, string kind);

    [LoggerMessage(Level = LogLevel.Information, Message = "this silo is draining: the fault registry is handed over to silo {Silo}, its faults in memory")]
    private static partial void LogHandingOver(ILogger logger, SiloAddress silo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the fault registry's records could not be written as it was handed over ({Error}: {Message}): they go along in memory, and the next activation writes them")]
    private static partial void LogHandOverWriteFailed(ILogger logger, string error, string message);
}
