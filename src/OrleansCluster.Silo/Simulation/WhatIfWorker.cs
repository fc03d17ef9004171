using Microsoft.Extensions.Options;
using OrleansCluster.Model.WhatIf;

namespace OrleansCluster.Silo.Simulation;

/// <summary>
/// Runs what-if evaluations off the live job's path: on the thread pool, never on a grain, at most
/// <c>WhatIf:MaxConcurrent</c> at once (one more is refused, not queued), each cancelled with its request.
/// </summary>
public sealed partial class WhatIfWorker(IOptions<WhatIfOptions> options, ILogger<WhatIfWorker> logger) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(options.Value.MaxConcurrent, options.Value.MaxConcurrent);

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
            var report = await Task.Run(() => WhatIfEvaluator.Evaluate(plan, steps, objective, faults, cancellationToken), cancellationToken);
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
}
