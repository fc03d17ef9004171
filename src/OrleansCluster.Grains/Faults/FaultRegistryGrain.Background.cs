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
    private static readonly TimeSpan DroppedLogInterval = TimeSpan.FromSeconds(10);

    private DateTimeOffset _droppedLoggedAt = DateTimeOffset.MinValue;
    private long _droppedSinceLog;
    private long _droppedTotal; // by this activation (the job counts the run's: /api/cluster reliability.failuresDropped)

    public async Task<BackgroundHandover> BackgroundAsync(long epoch, double simulatedSeconds, IReadOnlyList<BackgroundFault> arrivals)
    {
        ArgumentNullException.ThrowIfNull(arrivals);
        var s = _store.State;
        if (_layout is null || epoch != s.Epoch)
        {
            return new BackgroundHandover(null, 0);
        }

        // Repairs first, so that the faults they end make room for this step's arrivals.
        var repaired = EndWhere(FaultState.Expired, f => BackgroundIntake.Repaired(f, simulatedSeconds));
        var now = clock.GetUtcNow();
        var fresh = arrivals.Where(a => _book.Find(a.Id) is null).ToList();
        var room = Math.Max(0, limits.Value.MaxLiveFaults - _book.Count);
        var dropped = Math.Max(0, fresh.Count - room);
        if (dropped > 0)
        {
            Dropped(dropped, now);
            fresh.RemoveRange(room, dropped); // the earliest arrivals are taken
        }

        var made = BackgroundIntake.Make(fresh, _layout, now);
        foreach (var fault in made)
        {
            _book.Add(fault);
            s.FailuresByCause[fault.Cause!] = s.FailuresByCause.GetValueOrDefault(fault.Cause!) + 1;
            LogBackground(logger, fault.Id, fault.Cause!, fault.Kind.ApiName, fault.Target.Node ?? fault.Target.Link, simulatedSeconds);
        }

        // Arrivals of this step already repaired by its end (shorter than the step) end at once.
        var brief = made.Count > 0 ? EndWhere(FaultState.Expired, f => BackgroundIntake.Repaired(f, simulatedSeconds)) : [];
        if (made.Count > 0 || repaired.Count > 0)
        {
            await SaveAsync();
            await ApplyAsync([.. repaired, .. made, .. brief]);
        }

        return new BackgroundHandover(BackgroundIntake.NextRepair(_book.Faults), dropped);
    }

    // Logs arrivals dropped at the limit at most once per interval, with how many since the last line.
    private void Dropped(int count, DateTimeOffset now)
    {
        _droppedTotal += count;
        _droppedSinceLog += count;
        if (now - _droppedLoggedAt >= DroppedLogInterval)
        {
            LogBackgroundDropped(logger, _droppedSinceLog, limits.Value.MaxLiveFaults, FaultLimits.MaxLiveFaultsSetting, _droppedTotal);
            (_droppedLoggedAt, _droppedSinceLog) = (now, 0);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} background failures dropped: the faults in force are at the {Limit} allowed ({Setting}); {Total} dropped since this registry activated (the run's count: /api/cluster job.reliability.failuresDropped)")]
    private static partial void LogBackgroundDropped(ILogger logger, long count, int limit, string setting, long total);
}
