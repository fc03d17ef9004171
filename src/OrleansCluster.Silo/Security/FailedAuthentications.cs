using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace OrleansCluster.Silo.Security;

/// <summary>
/// Wrong admin keys, counted per client address in fixed windows of <see cref="AdminOptions.FailedKeyWindowSeconds"/>.
/// Past <see cref="AdminOptions.FailedKeysPerWindow"/> failures an address's further wrong keys are answered 429 until
/// its window ends, and the log carries at most two lines per address and window: the first rejection, as the audit
/// always wrote it, and at the window's end how many followed. A right key is never throttled, so that a flood from a
/// shared address (a proxy, a NAT) cannot lock the operator out; checking it costs one SHA-256 of the header.
/// </summary>
public sealed partial class FailedAuthentications : IDisposable
{
    private readonly ConcurrentDictionary<string, Window> _windows = new();
    private readonly TimeProvider _time;
    private readonly ILogger<FailedAuthentications> _logger;
    private readonly int _limit;
    private readonly TimeSpan _period;
    private readonly ITimer _timer;

    public FailedAuthentications(IOptions<AdminOptions> options, TimeProvider time, ILogger<FailedAuthentications> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = time;
        _logger = logger;
        _limit = options.Value.FailedKeysPerWindow;
        _period = TimeSpan.FromSeconds(options.Value.FailedKeyWindowSeconds);
        _timer = time.CreateTimer(_ => Flush(), null, _period, _period);
    }

    /// <summary>
    /// Counts a wrong key from <paramref name="remote"/>; returns how long the caller must wait when it is past the
    /// limit (answer 429), or null when the wrong key is to be answered 401 as usual.
    /// </summary>
    public TimeSpan? Fail(string remote, string method, string path)
    {
        while (true)
        {
            var window = _windows.GetOrAdd(remote, _ => new Window(_time.GetTimestamp()));
            int failures;
            lock (window)
            {
                if (window.Closed)
                {
                    continue; // flushed meanwhile: count in the next window
                }

                failures = ++window.Failures;
                if (failures > _limit)
                {
                    window.Refused++;
                }
            }

            if (failures == 1)
            {
                LogRejected(_logger, method, path, remote);
            }

            if (failures <= _limit)
            {
                return null;
            }

            var left = _period - _time.GetElapsedTime(window.Start);
            return left > TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1);
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        Flush();
    }

    /// <summary>Ends every window: one line for each address that failed more than once in it.</summary>
    private void Flush()
    {
        foreach (var (remote, window) in _windows)
        {
            int failures, refused;
            lock (window)
            {
                window.Closed = true;
                (failures, refused) = (window.Failures, window.Refused);
            }

            _windows.TryRemove(new KeyValuePair<string, Window>(remote, window));
            if (failures > 1)
            {
                LogSummary(_logger, failures, remote, _time.GetElapsedTime(window.Start).TotalSeconds, refused);
            }
        }
    }

    private sealed class Window(long start)
    {
        public long Start { get; } = start;

        public int Failures { get; set; }

        public int Refused { get; set; }

        public bool Closed { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "audit: rejected {Method} {Path} from {Remote}: wrong admin key")]
    private static partial void LogRejected(ILogger logger, string method, string path, string remote);

    [LoggerMessage(Level = LogLevel.Warning, Message = "audit: {Failures} failed authentications from {Remote} in the last {Seconds:0} s ({Refused} answered 429)")]
    private static partial void LogSummary(ILogger logger, int failures, string remote, double seconds, int refused);
}
