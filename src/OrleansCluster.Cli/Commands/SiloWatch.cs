using System.Globalization;

namespace OrleansCluster.Cli.Commands;

/// <summary>
/// Whether a silo a run calls is still there: <see cref="Limit"/> calls in a row that got no HTTP answer at all (the
/// connection refused or cut, as when the process is gone), with no answer of any status between them, and it is taken
/// as lost. A run stops calling a lost silo and reports what it measured before, the failures among it: a silo killed
/// 8 s into <c>api --seconds 60</c> held the run the whole minute, every call refused, and the run then exited 2 with
/// one line, its report lost. A call that timed out is not counted here: a slow silo is a measurement, not a lost one.
/// </summary>
public sealed class SiloWatch : IDisposable
{
    /// <summary>Calls in a row without an answer after which the silo is taken as lost.</summary>
    public const int Limit = 5;

    private readonly CancellationTokenSource _lost = new();
    private readonly long _start = TimeProvider.System.GetTimestamp();
    private int _inRow;
    private string? _why;

    /// <summary>Why the silo was taken as lost, and when (null while it answers).</summary>
    public string? Lost => Volatile.Read(ref _why);

    /// <summary>Cancelled once the silo is taken as lost: for the waits between calls, not the calls themselves.</summary>
    public CancellationToken LostToken => _lost.Token;

    /// <summary>Whether <paramref name="e"/> is a call that got no HTTP answer at all (an error status is an answer).</summary>
    public static bool IsNoAnswer(Exception e) => e is HttpRequestException { StatusCode: null };

    /// <summary>A call was answered, with any status: the silo is there.</summary>
    public void Answered() => Interlocked.Exchange(ref _inRow, 0);

    /// <summary>A call got no answer (<paramref name="e"/>); answers whether the silo is now taken as lost.</summary>
    public bool Unanswered(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (Interlocked.Increment(ref _inRow) >= Limit && Interlocked.CompareExchange(ref _why, Describe(e), null) is null)
        {
            _lost.Cancel();
        }

        return Lost is not null;
    }

    public void Dispose() => _lost.Dispose();

    private string Describe(Exception e) => string.Create(CultureInfo.InvariantCulture,
        $"the silo stopped answering {TimeProvider.System.GetElapsedTime(_start).TotalSeconds:0.0} s into the run: {Limit} calls in a row got no answer (the last: {CommandErrors.Describe(e)})");
}
