using System.Diagnostics;
using OrleansCluster.Grains.Faults;
using OrleansCluster.Model.Faults;

namespace OrleansCluster.Bench;

/// <summary>
/// The fault registry's first pass after it reads its record back (an activation, a failover): every node and link
/// of the layout is told its effect again (<see cref="PushedEffects.TellAgain"/>), so the pass plans a push for each.
/// Prints the time of that plan for several node counts.
/// </summary>
internal static class RegistryRestorePlan
{
    public static void Print(TextWriter output, IReadOnlyList<int> nodeCounts)
    {
        output.WriteLine("| nodes | links | pushes planned | plan after a restore (ms) |");
        output.WriteLine("|---|---|---|---|");
        foreach (var count in nodeCounts)
        {
            var nodes = Enumerable.Range(0, count).Select(i => $"site{i / 100_000}-{i % 100_000:D5}").ToArray();
            var links = Enumerable.Range(0, 3).Select(i => $"link-{i}").ToArray();
            var pushed = new PushedEffects();
            pushed.TellAgain(nodes, links);
            var clock = Stopwatch.StartNew();
            var pushes = pushed.Plan(new FaultBook(), nodes, links, DateTimeOffset.UnixEpoch);
            clock.Stop();
            output.WriteLine($"| {count:N0} | {links.Length} | {pushes.Count:N0} | {clock.Elapsed.TotalMilliseconds:F1} |");
        }
    }
}
