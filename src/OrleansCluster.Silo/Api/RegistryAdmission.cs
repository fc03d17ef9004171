using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using OrleansCluster.Silo.Security;

namespace OrleansCluster.Silo.Api;

/// <summary>
/// Admits the fault mutations of this silo to the fault registry a few at a time (<c>Admin:FaultMutationsInFlight</c>,
/// with <c>Admin:FaultMutationsQueued</c> more waiting their turn), and answers the rest 503 with
/// <c>Retry-After</c> before they reach it. Found by probing: the registry is one grain and each mutation writes every
/// fault in force, so its rate falls as faults pile up (59 calls/s with 5,000 in force, 16 callers, on the 2-core
/// build machine); past it, callers queued on the grain until their calls timed out (503 "may still carry the call
/// out") and the registry then made the faults those callers were told had failed. Refused here, a call changes
/// nothing, and a wait here is bounded by the calls ahead of it.
/// <para>
/// A handler enters once it has read and checked its request, just before it calls the registry, and holds its place
/// until it answers: the place bounds the registry's calls, not the client's upload. Found by probing: taken by an
/// endpoint filter before the handler read the body, eight clients with the key sending their bodies just above
/// Kestrel's minimum data rate held every place (a 1 MiB body at 240 B/s for about 70 minutes), and every inject and
/// clear on the silo waited behind them.
/// </para>
/// </summary>
public static partial class RegistryAdmission
{
    /// <summary>Seconds a refused caller is asked to wait.</summary>
    public const int RetryAfterSeconds = 1;

    /// <summary>
    /// Waits for a place with the registry (in turn, behind at most <c>Admin:FaultMutationsQueued</c> others; the
    /// caller closing the connection withdraws it). Dispose the lease once the registry has answered; one not
    /// acquired means the queue is full: answer <see cref="Busy"/>.
    /// </summary>
    public static ValueTask<RateLimitLease> EnterAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.RequestServices.GetRequiredService<FaultMutationLimiter>().Limiter.AcquireAsync(1, context.RequestAborted);
    }

    /// <summary>The 503 for a mutation the registry has no place for: nothing was changed.</summary>
    public static ProblemHttpResult Busy(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var limiter = context.RequestServices.GetRequiredService<FaultMutationLimiter>();
        if (limiter.Refused() is { } refused)
        {
            var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RegistryAdmission).FullName!);
            LogBusy(logger, limiter.InFlight, limiter.Queued, refused);
        }

        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Fault registry busy",
            detail: $"{limiter.InFlight} fault mutations of this silo are with the fault registry and {limiter.Queued} more wait their turn (Admin:FaultMutationsInFlight, Admin:FaultMutationsQueued); nothing was changed; retry after {RetryAfterSeconds} s");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} fault mutation(s) refused 503 since the last such line: the fault registry has {InFlight} of this silo's in flight and {Queued} queued (this line at most once per 10 s)")]
    private static partial void LogBusy(ILogger logger, int inFlight, int queued, long count);
}

/// <summary>This silo's admission of fault mutations to the registry (<see cref="RegistryAdmission"/>).</summary>
public sealed class FaultMutationLimiter : IDisposable
{
    private static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(10);
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private long _refused;
    private long? _loggedAt;

    public FaultMutationLimiter(IOptions<AdminOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = time;
        InFlight = options.Value.FaultMutationsInFlight;
        Queued = options.Value.FaultMutationsQueued;
        Limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = InFlight, QueueLimit = Queued, QueueProcessingOrder = QueueProcessingOrder.OldestFirst });
    }

    /// <summary>Mutations admitted to the registry at once.</summary>
    public int InFlight { get; }

    /// <summary>Mutations that may wait for one of those to answer.</summary>
    public int Queued { get; }

    /// <summary>The limiter itself.</summary>
    public ConcurrencyLimiter Limiter { get; }

    /// <summary>Counts a refusal; the count since the last line when a line is due (at most one per 10 s), else null.</summary>
    public long? Refused()
    {
        lock (_gate)
        {
            _refused++;
            if (_loggedAt is { } at && _time.GetElapsedTime(at) < LogInterval)
            {
                return null;
            }

            _loggedAt = _time.GetTimestamp();
            var count = _refused;
            _refused = 0;
            return count;
        }
    }

    public void Dispose() => Limiter.Dispose();
}
