using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Job;

/// <summary>
/// What the job's record keeps of the last straggler report while the job stands still (<see cref="JobRecord.Stragglers"/>,
/// so that an activation that takes the job over answers <c>/api/stragglers</c>), and how it is answered. The record
/// stays bounded whatever the scenario's size: each list holds at most the scenario's top-K, as the nodes always did
/// (the K slowest). Of the links, sites and generations the K worst are kept, in the order the live report lists them
/// (the scenario's links, the sites, the generations by name), and the report counts those it left out
/// (<see cref="StragglerReport.LinksLeftOut"/>, <see cref="StragglerReport.SitesLeftOut"/>,
/// <see cref="StragglerReport.GenerationsLeftOut"/>). Worst: a link down, then a straggler, then by its stretch; a site
/// or generation by its stragglers, then by its slowest node. Found by review: the links, sites and generations were
/// kept whole, so that a scenario with many links wrote them all into every write of a paused job's record. No grain.
/// </summary>
internal static class KeptStragglerReport
{
    private static readonly Comparer<LinkStragglerFigures> WorseLinkFirst = Comparer<LinkStragglerFigures>.Create((a, b) =>
        a.Up != b.Up ? a.Up.CompareTo(b.Up) // down (false) first
        : a.Straggler != b.Straggler ? b.Straggler.CompareTo(a.Straggler)
        : Nullable.Compare(b.Stretch, a.Stretch));

    private static readonly Comparer<GroupFigures> WorseGroupFirst = Comparer<GroupFigures>.Create((a, b) =>
        a.Stragglers != b.Stragglers ? b.Stragglers.CompareTo(a.Stragglers) : b.MaxComputeSeconds.CompareTo(a.MaxComputeSeconds));

    /// <summary>
    /// <paramref name="report"/> as the record keeps it: at most <paramref name="topK"/> nodes, links, sites and
    /// generations, with the counts of those left out added. The same instance where nothing is left out (a report kept
    /// already, read back from the record).
    /// </summary>
    public static StragglerReport Keep(StragglerReport report, int topK)
    {
        ArgumentNullException.ThrowIfNull(report);
        var k = Math.Max(0, topK);
        if (report.Nodes.Count <= k && report.Links.Count <= k && report.BySite.Count <= k && report.ByGeneration.Count <= k)
        {
            return report;
        }

        var (links, linksLeftOut) = Worst(report.Links, k, WorseLinkFirst);
        var (sites, sitesLeftOut) = Worst(report.BySite, k, WorseGroupFirst);
        var (generations, generationsLeftOut) = Worst(report.ByGeneration, k, WorseGroupFirst);
        return report with
        {
            Nodes = report.Nodes.Count > k ? report.Nodes.Take(k).ToArray() : report.Nodes,
            Links = links,
            BySite = sites,
            ByGeneration = generations,
            LinksLeftOut = report.LinksLeftOut + linksLeftOut,
            SitesLeftOut = report.SitesLeftOut + sitesLeftOut,
            GenerationsLeftOut = report.GenerationsLeftOut + generationsLeftOut,
        };
    }

    /// <summary>The kept report as <c>/api/stragglers?top=</c><paramref name="top"/> answers it: its <paramref name="top"/> slowest nodes, the rest as kept.</summary>
    public static StragglerReport Answer(StragglerReport kept, int top)
    {
        ArgumentNullException.ThrowIfNull(kept);
        return kept with { Nodes = kept.Nodes.Take(Math.Max(0, top)).ToArray() };
    }

    // The k worst of `items`, in their own order, and how many were left out.
    private static (IReadOnlyList<T> Kept, int LeftOut) Worst<T>(IReadOnlyList<T> items, int k, Comparer<T> worseFirst)
    {
        if (items.Count <= k)
        {
            return (items, 0);
        }

        var kept = Enumerable.Range(0, items.Count).OrderBy(i => items[i], worseFirst).Take(k).Order().Select(i => items[i]).ToArray();
        return (kept, items.Count - kept.Length);
    }
}
