using Microsoft.Extensions.Logging;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Faults;

/// <summary>
/// Background failures (DESIGN.md section 7.6) as the job hands them over each step: made faults, and ended on the
/// job's simulated clock. They count against <c>Admin:MaxLiveFaults</c> like injected ones: a scenario whose
/// failures would keep more in force within a simulated day is refused at load, and arrivals that find the faults in
/// force at the limit are dropped, counted (the job adds them to the run's figures) and logged, never left to grow
/// the registry's work without bound.
/// </summary>
public sealed partial class FaultRegistryGrain
{
    private const int ArrivalLinesPerInterval = 20;
    private LogGate? _droppedLog; // one line per 10 s, with the count since the last
    private LogGate? _arrivalLog;
    private long _droppedSinceLog;
    private long _droppedTotal; // by this activation (the job counts the run's: /api/cluster reliability.failuresDropped)

    public async Task<BackgroundHandover> BackgroundAsync(long epoch, double simulatedSeconds, IReadOnlyList<BackgroundFault> arrivals)
    {
        ArgumentNullException.ThrowIfNull(arrivals);
        var s = _store.State;
        if (_memory.Layout is not { } layout || epoch != s.Epoch)
        {
            // Found by review (fix-drain2): answered as taken, so the job counted the arrivals handed over and they were
            // lost, silently, for as long as this registry stayed behind the job's layout (one lost before it wrote the
            // same run's new epoch comes back on the older one). Refused: the job hands them over again, once it has
            // seen the registry behind (EpochAsync) and laid its tree out again.
            throw new EpochMismatchException(_memory.Layout is null
                ? $"the fault registry has no run laid out; background failures of run {epoch} wait for the job to lay its tree out again"
                : $"the fault registry tells its effects under epoch {s.Epoch}, the job stepped under {epoch}: background failures wait for the job to lay its tree out again");
        }

        // The step is worked out first (BackgroundStep) and written before anything in memory changes, as an injection
        // is: a write that fails (storage down) leaves the book, the counters, the history and the grains' effects as
        // they were, so that the job's retry with the same arrivals does what this call would have.
        var step = BackgroundStep.Plan(_memory.Book, _store.History, arrivals, layout, simulatedSeconds, limits.Value.MaxLiveFaults, clock.GetUtcNow());
        if (step.Changes)
        {
            await CommitEndingsAsync(step.Ending, FaultState.Expired, adding: step.Adding, change: step.Count);
            LogArrivals(step.Made, simulatedSeconds);

            await ApplyAsync([.. step.Repaired, .. step.Made]);
        }

        if (step.Dropped > 0)
        {
            Dropped(step.Dropped); // once written: a failed call's arrivals come again, and are counted then
        }

        return new BackgroundHandover(BackgroundIntake.NextRepair(_memory.Book.Faults), step.Dropped);
    }

    // Logs each arrival, up to 20 per log interval and then one line with how many were held back (found by probing:
    // at max pace a scenario's failures wrote 210 lines a second, 11 MB in ten minutes); the ground truth is the
    // fault list with its ended faults (GET /api/faults?all=true), not the log.
    private void LogArrivals(List<Fault> made, double simulatedSeconds)
    {
        _arrivalLog ??= new LogGate(clock, TimeSpan.FromSeconds(tuning.Value.LogIntervalSeconds), ArrivalLinesPerInterval);
        foreach (var fault in made)
        {
            if (!_arrivalLog.Open())
            {
                continue;
            }

            if (_arrivalLog.TakeHeld() is > 0 and var held)
            {
                LogBackgroundHeld(logger, held, tuning.Value.LogIntervalSeconds);
            }

            LogBackground(logger, fault.Id, fault.Cause!, fault.Kind.ApiName, fault.Target.Node ?? fault.Target.Link, simulatedSeconds);
        }
    }

    // Logs arrivals dropped at the limit at most once per interval, with how many since the last line.
    private void Dropped(int count)
    {
        _droppedTotal += count;
        _droppedSinceLog += count;
        if ((_droppedLog ??= new LogGate(clock, TimeSpan.FromSeconds(10))).Open())
        {
            LogBackgroundDropped(logger, _droppedSinceLog, limits.Value.MaxLiveFaults, FaultLimits.MaxLiveFaultsSetting, _droppedTotal);
            _droppedSinceLog = 0;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} background failures not logged since the last line (at most 20 lines per {IntervalSeconds} s; every one is in GET /api/faults?all=true)")]
    private static partial void LogBackgroundHeld(ILogger logger, long count, double intervalSeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} background failures dropped: the faults in force are at the {Limit} allowed ({Setting}); {Total} dropped since this registry activated (the run's count: /api/cluster job.reliability.failuresDropped)")]
    private static partial void LogBackgroundDropped(ILogger logger, long count, int limit, string setting, long total);
}
