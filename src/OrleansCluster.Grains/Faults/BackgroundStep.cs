using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Faults;

/// <summary>
/// One step's hand-over of background failures, decided before anything changes: the faults in force that the job's
/// clock has repaired, the arrivals made into faults, how many were dropped at the live limit, and which of those made
/// the step's end has already repaired. Pure: the grain writes the ends and the new faults, then counts the drops.
/// </summary>
internal sealed record BackgroundStep(List<Fault> Repaired, List<Fault> Made, List<Fault> Brief, int Dropped)
{
    /// <summary>
    /// The step at <paramref name="simulatedSeconds"/> of the job's clock, with <paramref name="book"/>'s faults in force
    /// and <paramref name="history"/>'s ended. Repairs count first, so that the faults they end make room for this step's
    /// arrivals; the arrivals' ids make them idempotent: one in force, or ended already (a brief one of an answer the job
    /// never got), is not made twice; past <paramref name="maxLiveFaults"/> the earliest arrivals are taken.
    /// </summary>
    public static BackgroundStep Plan(
        FaultBook book, IEnumerable<Fault> history, IReadOnlyList<BackgroundFault> arrivals, ClusterLayout layout, double simulatedSeconds, int maxLiveFaults, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(book);
        ArgumentNullException.ThrowIfNull(arrivals);
        var repaired = book.Faults.Where(f => BackgroundIntake.Repaired(f, simulatedSeconds)).ToList();
        var ended = arrivals.Count > 0 ? history.Select(f => f.Id).ToHashSet(StringComparer.Ordinal) : [];
        var fresh = arrivals.Where(a => book.Find(a.Id) is null && !ended.Contains(a.Id)).DistinctBy(a => a.Id).ToList();
        var room = Math.Max(0, maxLiveFaults - (book.Count - repaired.Count));
        var dropped = Math.Max(0, fresh.Count - room);
        if (dropped > 0)
        {
            fresh.RemoveRange(room, dropped);
        }

        var made = BackgroundIntake.Make(fresh, layout, now);

        // Arrivals of this step already repaired by its end (shorter than the step) end at once, with the repaired.
        var brief = made.Where(f => BackgroundIntake.Repaired(f, simulatedSeconds)).ToList();
        return new BackgroundStep(repaired, made, brief, dropped);
    }

    /// <summary>Whether the step ends or makes any fault (a write is due).</summary>
    public bool Changes => Made.Count > 0 || Repaired.Count > 0;

    /// <summary>The faults the step ends: those repaired, and the arrivals already repaired by its end.</summary>
    public List<Fault> Ending => [.. Repaired, .. Brief];

    /// <summary>The faults the step leaves in force: its arrivals not already repaired.</summary>
    public List<Fault> Adding => Made.Except(Brief).ToList();

    /// <summary>Counts the faults made, by cause, in the live <paramref name="state"/> that their write records.</summary>
    public void Count(FaultRegistryState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        foreach (var fault in Made)
        {
            state.FailuresByCause[fault.Cause!] = state.FailuresByCause.GetValueOrDefault(fault.Cause!) + 1;
        }
    }
}
