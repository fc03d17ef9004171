using System.Diagnostics;

namespace OrleansCluster.Silo.Extensions;

/// <summary>
/// The system clock with timestamps counted from this provider's creation rather than from the machine's boot.
/// <para>
/// Orleans' watchdog (Orleans.Runtime.Watchdog, 10.4) starts its platform thread before it stamps the component
/// check's start, so the first platform check can read that stamp while it is still 0 and report that the
/// "participant check thread has not completed" for the whole time since boot (the machine's uptime), as a
/// possible deadlock, on the first line of a start. Counted from here, an unstamped 0 reads as the seconds since
/// the silo started, below the watchdog's threshold (twice the 10 s health-check period), while a real stall is
/// still measured as before: only differences between timestamps matter to every other user of the clock.
/// </para>
/// </summary>
internal sealed class ProcessRelativeTimeProvider : TimeProvider
{
    private readonly long _origin = Stopwatch.GetTimestamp();

    public override long TimestampFrequency => Stopwatch.Frequency;

    public override long GetTimestamp() => Stopwatch.GetTimestamp() - _origin;
}
