using Microsoft.Extensions.Options;
using OrleansCluster.Model.WhatIf;

namespace OrleansCluster.Silo.Simulation;

/// <summary>
/// Runs what-if evaluations off the live job's path: never on a grain, each on a thread of its own below the live
/// job's priority (<c>WhatIf:Nice</c>, <see cref="WhatIfThread"/>), so that the job keeps the cores it uses and an
/// evaluation has what it leaves; at most <c>WhatIf:MaxConcurrent</c> at once (one more is refused, not queued), each
/// cancelled with its request. An evaluation steps its variants one after the other on that one thread: it never
/// takes more than one core.
/// </summary>
public sealed partial class WhatIfWorker(IOptions<WhatIfOptions> options, ILogger<WhatIfWorker> logger) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(options.Value.MaxConcurrent, options.Value.MaxConcurrent);
    private readonly int _nice = options.Value.Nice;

    /// <summary>The report, or null when every slot is taken.</summary>
    public async Task<WhatIfReport?> TryEvaluateAsync(WhatIfPlan plan, int steps, WhatIfObjective objective, WhatIfFaults faults, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (!await _gate.WaitAsync(0, cancellationToken))
        {
            return null;
        }

        try
        {
            var started = TimeProvider.System.GetTimestamp();
            // Found by probing: on the thread pool at the job's priority, one 10,000-step evaluation of small took the
            // live job at max pace from 2,972 to 1,111 steps/s on the 2-core build machine (docs/performance.md).
            cancellationToken.ThrowIfCancellationRequested();
            var report = await WhatIfThread.Run(
                () => WhatIfEvaluator.Evaluate(plan, steps, objective, faults, cancellationToken),
                _nice,
                why => LogNotLowered(logger, why),
                cancellationToken);
            var seconds = TimeProvider.System.GetElapsedTime(started).TotalSeconds;
            LogEvaluated(logger, plan.Baseline.Name, plan.Variants.Count, steps, seconds);
            return report;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "what-if on {Scenario}: {Variants} variants x {Steps} steps in {Seconds:F2} s")]
    private static partial void LogEvaluated(ILogger logger, string scenario, int variants, int steps, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "what-if runs at the live job's priority: {Why}")]
    private static partial void LogNotLowered(ILogger logger, string why);
}
