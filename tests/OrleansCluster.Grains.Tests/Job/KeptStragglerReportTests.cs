using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Job;

namespace OrleansCluster.Grains.Tests.Job;

/// <summary>
/// What a job that stands still keeps of its last straggler report, without a silo: at most the scenario's top-K of each
/// list, the worst, in the live report's order, with the counts of those left out.
/// </summary>
public sealed class KeptStragglerReportTests
{
    private static readonly StepBreakdownFigures Breakdown = new(1.0, 0.2, 0.1, 0.05, 0.01);

    private static LinkStragglerFigures Link(int i, double? stretch = null, bool straggler = false, bool up = true) =>
        new($"l{i:00}", 1e-3, up ? 50e9 : 0, up ? stretch ?? 1 + (i * 1e-4) : null, straggler || !up, up);

    private static GroupFigures Group(string name, long stragglers, double maxComputeSeconds) =>
        new(name, 16, stragglers, 1.0, maxComputeSeconds, maxComputeSeconds);

    private static NodeStragglerFigures Node(int i) => new($"a-{i:00000}", "a", "H100", 3.0 - (i * 0.01), 1.5 - (i * 0.01));

    // 40 links: l07 down, l23 and l31 stragglers (l31 the longer stretch), l02 the longest stretch of the healthy ones.
    // 30 sites: s17 with 9 stragglers, s05 and s22 with 4 each (s22 the slower), s29 the slowest of the rest.
    // 6 generations: g3 with 2 stragglers, g1 and g4 the slowest of the rest.
    private static StragglerReport Large()
    {
        var links = Enumerable.Range(0, 40).Select(i => Link(i)).ToArray();
        (links[2], links[7], links[23], links[31]) = (Link(2, stretch: 1.09), Link(7, up: false), Link(23, 1.5, straggler: true), Link(31, 2.0, straggler: true));
        var sites = Enumerable.Range(0, 30).Select(i => Group($"s{i:00}", 0, 1.0 + (i * 1e-3))).ToArray();
        (sites[5], sites[17], sites[22]) = (Group("s05", 4, 2.0), Group("s17", 9, 1.5), Group("s22", 4, 3.0));
        double[] slowest = [1.0, 1.4, 1.1, 1.2, 1.3, 1.0];
        var generations = Enumerable.Range(0, 6).Select(i => Group($"g{i}", i == 3 ? 2 : 0, slowest[i])).ToArray();
        return new StragglerReport(12, Enumerable.Range(0, 10).Select(Node).ToArray(), links, sites, generations, Breakdown, "1 link(s) partitioned");
    }

    [Fact]
    public void TheRecordKeepsTheWorstOfEachListInTheLiveOrderAndCountsTheRest()
    {
        var report = Large();

        var kept = KeptStragglerReport.Keep(report, topK: 4);

        Assert.Equal(["a-00000", "a-00001", "a-00002", "a-00003"], kept.Nodes.Select(n => n.Node)); // the slowest, slowest first
        Assert.Equal(["l02", "l07", "l23", "l31"], kept.Links.Select(l => l.Link)); // down, the stragglers, then the longest stretch
        Assert.Equal(36, kept.LinksLeftOut);
        Assert.Equal(["s05", "s17", "s22", "s29"], kept.BySite.Select(s => s.Name)); // by stragglers, then the slowest node
        Assert.Equal(26, kept.SitesLeftOut);
        Assert.Equal(["g1", "g2", "g3", "g4"], kept.ByGeneration.Select(g => g.Name));
        Assert.Equal(2, kept.GenerationsLeftOut);
        Assert.Equal((12L, "1 link(s) partitioned", Breakdown), (kept.Step, kept.Failure, kept.Breakdown));
        Assert.Same(report.Links[7], kept.Links[1]); // the figures as they were
    }

    [Fact]
    public void AReportWithinTheBoundIsKeptWholeAndAKeptOneIsNotCutAgain()
    {
        var small = new StragglerReport(3, [Node(0)], [Link(0), Link(1)], [Group("a", 1, 2.0)], [Group("H100", 1, 2.0)], Breakdown);
        Assert.Same(small, KeptStragglerReport.Keep(small, topK: 20));

        var kept = KeptStragglerReport.Keep(Large(), topK: 4);
        Assert.Same(kept, KeptStragglerReport.Keep(kept, topK: 4)); // read back from the record and halted again

        // A record written before the bound (every link): cut at the next halt, its counts those it now leaves out.
        var cut = KeptStragglerReport.Keep(Large(), topK: 40);
        Assert.Equal((40, 0, 30, 0), (cut.Links.Count, cut.LinksLeftOut, cut.BySite.Count, cut.SitesLeftOut));
        var again = KeptStragglerReport.Keep(cut, topK: 4);
        Assert.Equal((4, 36, 4, 26, 4, 2), (again.Links.Count, again.LinksLeftOut, again.BySite.Count, again.SitesLeftOut, again.ByGeneration.Count, again.GenerationsLeftOut));
    }

    [Fact]
    public void TheAnswerCutsTheNodesToTopAndLeavesTheRestAsKept()
    {
        var kept = KeptStragglerReport.Keep(Large(), topK: 4);

        var answer = KeptStragglerReport.Answer(kept, top: 1);

        Assert.Equal(["a-00000"], answer.Nodes.Select(n => n.Node));
        Assert.Equal(kept.Links, answer.Links);
        Assert.Equal((36, 26, 2), (answer.LinksLeftOut, answer.SitesLeftOut, answer.GenerationsLeftOut));
        Assert.Equal(4, KeptStragglerReport.Answer(kept, top: 1000).Nodes.Count);
    }
}
