using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Faults;

/// <summary>
/// The live faults of a stored record taken back into the book on the stored run's layout, at activation and when a
/// write whose outcome was unknown turns out to have landed: each fault brought within this build's bounds, its
/// targets picked again, and kept, or found ended already, stored twice, or no longer fitting. Pure: the grain logs
/// what this reports, tells the targets again, and writes the live faults again where one was changed.
/// </summary>
internal static class FaultRestore
{
    /// <summary>
    /// Adds to <paramref name="book"/> the faults of <paramref name="stored"/> that are still live on
    /// <paramref name="layout"/> (<paramref name="ended"/> naming those the history holds), and answers what became of
    /// each, in order.
    /// </summary>
    public static List<Restored> Into(FaultBook book, IEnumerable<Fault> stored, IReadOnlySet<string> ended, ClusterLayout layout)
    {
        ArgumentNullException.ThrowIfNull(book);
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(ended);
        var restored = new List<Restored>();
        foreach (var kept in stored)
        {
            // Found by review: a throttle's clockRatio under 0.05, stored by a build that allowed it, failed the site's or
            // selector's check again and the fault was dropped. It is held at 0.05 (what its effect already held the
            // node's clock at), kept, and written so, so that this is logged once.
            var bounded = FaultIntake.WithinBounds(kept);
            var (fault, problems) = FaultIntake.Restore(bounded ?? kept, layout);
            var clamped = bounded is null ? null : new Clamp(kept.Params[FaultIntake.ClockRatio], bounded.Params[FaultIntake.ClockRatio]);
            if (fault is not null && ended.Contains(fault.Id))
            {
                // It ended, and the history said so, but the write of the live faults after it failed: it stays ended
                // (not twice in the history), its targets are told again, and the live faults written again.
                restored.Add(new Restored(kept.Id, clamped, fault, Problems: null));
            }
            else if (fault is not null && book.Find(fault.Id) is null)
            {
                book.Add(fault);
                restored.Add(new Restored(kept.Id, clamped, EndedAlready: null, Problems: null));
            }
            else
            {
                restored.Add(new Restored(kept.Id, clamped, EndedAlready: null, fault is not null ? "stored twice; the first is kept" : problems ?? string.Empty));
            }
        }

        return restored;
    }

    /// <summary>A stored throttle's <c>clockRatio</c> as stored and as held now.</summary>
    public sealed record Clamp(double Stored, double Held);

    /// <summary>
    /// What became of one stored fault: held within bounds (<see cref="Clamped"/>), found ended already
    /// (<see cref="EndedAlready"/>: its targets are to be told again), dropped (<see cref="Problems"/> says why), or
    /// else kept. The live faults are written again when any was clamped or found ended.
    /// </summary>
    public sealed record Restored(string Id, Clamp? Clamped, Fault? EndedAlready, string? Problems)
    {
        /// <summary>Whether the live faults stored differ from those now held because of this one.</summary>
        public bool Rewrite => Clamped is not null || EndedAlready is not null;
    }
}
