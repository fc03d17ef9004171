using OrleansCluster.Cli.Commands;
using OrleansCluster.Cli.Reports;
using OrleansCluster.Model.Simulation;
using OrleansCluster.Model.WhatIf;

namespace OrleansCluster.Cli.Tests.Commands;

/// <summary>
/// The <c>whatif</c> command's table and summary for a variant that stalls (the same step fails on every replay, as the
/// live job would): found when the evaluator learnt to replay from the checkpoint, the table showed such a variant as
/// a row of zeros, without its failed steps or why, and the summary could name it the best.
/// </summary>
public sealed class WhatIfTableTests
{
    private static VariantResult Variant(string name, double pflops, int failed = 0, long lost = 0, string? stall = null) =>
        new(name, null, null, 4, 32, new Dictionary<string, long> { ["H100"] = 32 }, failed, 1.5, 2, pflops * 1000, pflops, pflops > 0 ? 0.4 : 0, new StepBreakdown(1, 0.2, 0.1, 0.1, 0.1), null)
        {
            LostSteps = lost,
            ReachedStep = stall is null ? 20 : 3,
            Stalled = stall is not null,
            StallReason = stall,
        };

    [Fact]
    public void AStalledVariantShowsItsFailedAndLostStepsAndWhyAndIsNeverTheBest()
    {
        var report = new WhatIf.Report("mixed", 20, "useful-flops", [Variant("baseline", 12), Variant("slow node", 0, failed: 9, lost: 18, stall: "step 4 fails on every replay (1 node(s) missed the barrier)")], ["baseline", "slow node"]);

        var tables = report.Tables();

        var figures = tables[0];
        var column = figures.Headers.ToList().IndexOf("failed / lost steps");
        Assert.True(column >= 0, string.Join(", ", figures.Headers));
        Assert.Equal(figures.Headers.Count, Assert.Single(figures.Rows, r => r[1] == "slow node").Count);
        Assert.Equal("9 / 18 (stalled)", figures.Rows.Single(r => r[1] == "slow node")[column]);
        Assert.Equal("0 / 0", figures.Rows.Single(r => r[1] == "baseline")[column]);
        var stalled = Assert.Single(tables, t => t.Title.StartsWith("stalled variants", StringComparison.Ordinal));
        Assert.Equal(["slow node", "3", "step 4 fails on every replay (1 node(s) missed the barrier)"], Assert.Single(stalled.Rows));
        Assert.Contains("best by useful-flops: baseline", report.Summary(), StringComparison.Ordinal);
    }

    [Fact]
    public void WhenEveryVariantStallsTheSummarySaysNoneGetsPastItsFailingStep()
    {
        var report = new WhatIf.Report("mixed", 20, "useful-flops", [Variant("a", 0, 5, 10, "step 2 fails on every replay"), Variant("b", 0, 5, 10, "step 3 fails on every replay")], ["a", "b"]);

        Assert.Equal("what-if on mixed: no variant gets past its failing step (2 stalled)", report.Summary());
        Assert.Equal(2, report.Tables().Single(t => t.Title.StartsWith("stalled variants", StringComparison.Ordinal)).Rows.Count);
    }

    [Fact]
    public void WithoutAStallThereIsNoStalledTable()
    {
        var report = new WhatIf.Report("mixed", 20, "useful-flops", [Variant("baseline", 12)], ["baseline"]);

        Assert.DoesNotContain(report.Tables(), t => t.Title.StartsWith("stalled variants", StringComparison.Ordinal));
        Assert.DoesNotContain((report with { Wide = true }).Tables(), t => t.Title.StartsWith("stalled variants", StringComparison.Ordinal));
    }

    [Fact]
    public void WideKeepsEveryFigureOfAVariantOnOneRowAndIsNoPartOfTheJson()
    {
        var report = new WhatIf.Report("mixed", 20, "useful-flops", [Variant("baseline", 12), Variant("slow node", 0, failed: 9, lost: 18, stall: "step 4 fails on every replay")], ["baseline", "slow node"]) { Wide = true };

        var figures = report.Tables()[0];

        Assert.Equal(
            ["#", "variant", "GPUs", "by generation", "mean T_step s", "p99 T_step s", "failed / lost steps", "Mtokens/s", "useful EFLOP/s", "MFU", "USD/h", "USD/step", "USD/1e21 FLOPs", "USD/M tokens", "lease left out USD/month", "net USD/1e21 FLOPs"],
            figures.Headers);
        Assert.Equal(["1", "baseline", "32", "H100 32", "1.500", "2.000", "0 / 0", "0.01", "0.012", "0.400", "-", "-", "-", "-", "-", "-"], figures.Rows[0]);
        Assert.Contains(report.Tables(), t => t.Title.StartsWith("stalled variants", StringComparison.Ordinal));
        Assert.DoesNotContain("wide", ReportWriter.ToJson(report), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void TheSectionsHoldEveryFigureTheWideTableDoes()
    {
        // Each figure of the wide row is in some section's row for the same variant (the generations as columns there).
        var priced = Variant("baseline", 12) with { Money = new VariantMoney(64, 0.03, 2315, 0.021, 50_000, 1200) };
        var report = new WhatIf.Report("mixed", 20, "useful-flops", [priced, Variant("slow node", 0, failed: 9, lost: 18, stall: "step 4 fails on every replay")], ["baseline", "slow node"]);

        var wide = (report with { Wide = true }).Tables()[0].Rows[0];
        var sections = report.Tables().SelectMany(t => t.Rows.Where(r => r.Contains("baseline"))).SelectMany(r => r).ToHashSet();

        var missing = wide.Skip(4).Where(figure => !sections.Contains(figure)).ToArray();
        Assert.True(missing.Length == 0, $"not in the sections: {string.Join(", ", missing)}");
        Assert.Contains(report.Tables(), t => t.Headers.Contains("H100") && t.Rows.Any(r => r.SequenceEqual(["baseline", "32"])));
    }
}
