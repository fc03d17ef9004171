using OrleansCluster.Cli.Commands;
using OrleansCluster.Model.WhatIf;

namespace OrleansCluster.Cli.Reports;

/// <summary>
/// The what-if's tables, in two layouts holding the same figures. By default one table a section (ranking, step time,
/// all-reduce, GPUs by generation, cost, lease), each at most six columns beside the variant's name, which is never
/// folded: for the standard variants every one fits a terminal of 80 columns with nothing but its headings wrapped, and
/// 120 (<see cref="WhatIf.RedirectedWidth"/>, the width when not a terminal) unwrapped. Found by a newcomer: one table of
/// 16 columns stood about 250 columns wide, which a terminal of 80 to 120 folded into columns of a few letters, and a
/// file or a pipe got as lines of 240. Wide (<c>whatif --wide</c>): every figure of a variant on one row, as before,
/// for a wide terminal or a file.
/// </summary>
public static class WhatIfTables
{
    /// <summary>One table a section, each narrow enough for a terminal of 80 columns.</summary>
    public static IReadOnlyList<ReportTable> Sections(WhatIf.Report report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var ranked = report.Ranked().ToArray();
        var evaluated = ranked.Where(v => v.Error is null).ToArray();
        var tables = new List<ReportTable>
        {
            Table(
                $"what-if on {report.Scenario}: {report.Steps} steps per variant, ranked by {report.Objective}",
                ["#", "variant", "GPUs", "useful EFLOP/s", "Mtokens/s", "MFU", "failed / lost steps"],
                ranked.Select((v, i) => (IReadOnlyList<string>)(v.Error is not null
                    ? [$"{i + 1}", v.Name, "-", "-", "-", "-", "not evaluated"]
                    : [$"{i + 1}", v.Name, ReportWriter.N(v.Gpus), ReportWriter.F(v.UsefulPflopsPerSecond / 1000, 3), ReportWriter.F(v.TokensPerSecond / 1e6, 2), ReportWriter.F(v.ClusterMfu, 3), FailedAndLost(v)]))),
            Table(
                "step time per variant (seconds)",
                ["variant", "mean T_step", "p99 T_step", "compute", "straggler wait"],
                evaluated.Select(v => (IReadOnlyList<string>)[v.Name, ReportWriter.F(v.MeanStepSeconds, 3), ReportWriter.F(v.P99StepSeconds, 3), ReportWriter.F(v.Breakdown.ComputeSeconds, 3), ReportWriter.F(v.Breakdown.StragglerWaitSeconds, 3)])),
            Table(
                "all-reduce time per variant (seconds)",
                ["variant", "intra-site", "inter-site bandwidth", "inter-site latency"],
                evaluated.Select(v => (IReadOnlyList<string>)[v.Name, ReportWriter.F(v.Breakdown.IntraSiteSeconds, 3), ReportWriter.F(v.Breakdown.InterSiteBandwidthSeconds, 3), ReportWriter.F(v.Breakdown.InterSiteLatencySeconds, 3)]),
                "with compute and straggler wait, they sum to the mean T_step"),
        };

        // One column a generation, in the order the variants name them: a count is never split from its generation.
        var generations = report.Variants.SelectMany(v => v.GpusByGeneration.Keys).Distinct(StringComparer.Ordinal).ToArray();
        tables.Add(Table(
            "GPUs per variant, by generation",
            ["variant", .. generations],
            evaluated.Select(v => (IReadOnlyList<string>)[v.Name, .. generations.Select(g => ReportWriter.N(v.GpusByGeneration.GetValueOrDefault(g)))])));

        var priced = evaluated.Where(v => v.Money is not null).ToArray();
        if (priced.Length > 0)
        {
            tables.Add(Table(
                "cost per variant (USD, at the scenario's GPU-hour prices)",
                ["variant", "per hour", "per step", "per 1e21 useful FLOPs", "per M tokens"],
                priced.Select(v => (IReadOnlyList<string>)[v.Name, ReportWriter.N(v.Money!.UsdPerHour), ReportWriter.N(v.Money.UsdPerStep, 1), ReportWriter.N(v.Money.UsdPer1e21Flops), v.Money.UsdPerMillionTokens is { } t ? ReportWriter.F(t, 3) : "-"])));
            tables.Add(Table(
                "the GPUs a variant leaves out, leased instead (USD)",
                ["variant", "lease left out per month", "net per 1e21 useful FLOPs"],
                priced.Select(v => (IReadOnlyList<string>)[v.Name, ReportWriter.N(v.Money!.LeftOutLeaseUsdPerMonth), ReportWriter.N(v.Money.NetUsdPer1e21Flops)])));
        }

        var failed = ranked.Where(v => v.Error is not null).Select(v => (IReadOnlyList<string>)[v.Name, v.Error!]).ToArray();
        if (failed.Length > 0)
        {
            tables.Add(Table("variants not evaluated", ["variant", "why"], failed));
        }

        if (Stalled(ranked) is { } stalled)
        {
            tables.Add(stalled);
        }

        return tables;
    }

    /// <summary>Every figure of a variant on one row (16 columns, about 250 wide), and the step-time breakdown beside it.</summary>
    public static IReadOnlyList<ReportTable> Wide(WhatIf.Report report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var ranked = report.Ranked().ToArray();
        var figures = Table(
            $"what-if on {report.Scenario}: {report.Steps} steps per variant, ranked by {report.Objective}",
            ["#", "variant", "GPUs", "by generation", "mean T_step s", "p99 T_step s", "failed / lost steps", "Mtokens/s", "useful EFLOP/s", "MFU", "USD/h", "USD/step", "USD/1e21 FLOPs", "USD/M tokens", "lease left out USD/month", "net USD/1e21 FLOPs"],
            ranked.Select((v, i) => (IReadOnlyList<string>)(v.Error is not null
                ? [$"{i + 1}", v.Name, "-", v.Error, "", "", "", "", "", "", "", "", "", "", "", ""]
                : [
                    $"{i + 1}", v.Name, ReportWriter.N(v.Gpus), string.Join(" ", v.GpusByGeneration.Select(p => $"{p.Key} {ReportWriter.N(p.Value)}")),
                    ReportWriter.F(v.MeanStepSeconds, 3), ReportWriter.F(v.P99StepSeconds, 3), FailedAndLost(v), ReportWriter.F(v.TokensPerSecond / 1e6, 2),
                    ReportWriter.F(v.UsefulPflopsPerSecond / 1000, 3), ReportWriter.F(v.ClusterMfu, 3),
                    Money(v, m => ReportWriter.N(m.UsdPerHour)), Money(v, m => ReportWriter.N(m.UsdPerStep, 1)), Money(v, m => ReportWriter.N(m.UsdPer1e21Flops)),
                    Money(v, m => m.UsdPerMillionTokens is { } t ? ReportWriter.F(t, 3) : "-"), Money(v, m => ReportWriter.N(m.LeftOutLeaseUsdPerMonth)), Money(v, m => ReportWriter.N(m.NetUsdPer1e21Flops)),
                ])));
        var breakdown = Table(
            "mean step-time breakdown per variant (seconds)",
            ["variant", "compute", "straggler_wait", "intra_site", "inter_site_bandwidth", "inter_site_latency", "T_step"],
            ranked.Where(v => v.Error is null).Select(v => (IReadOnlyList<string>)[
                v.Name, .. v.Breakdown.Values().Select(x => ReportWriter.F(x, 3)), ReportWriter.F(v.Breakdown.Values().Sum(), 3)]));
        var stalled = Stalled(ranked);
        return stalled is null ? [figures, breakdown] : [figures, breakdown, stalled];
    }

    private static ReportTable? Stalled(VariantResult[] ranked)
    {
        var stalled = ranked.Where(v => v.Error is null && v.Stalled).Select(v => (IReadOnlyList<string>)[v.Name, ReportWriter.N(v.ReachedStep), v.StallReason ?? string.Empty]).ToArray();
        return stalled.Length == 0 ? null : Table("stalled variants: the same step fails on every replay, as it would for the live job", ["variant", "reached step", "why"], stalled);
    }

    // A variant's name is never folded: the figures' columns give way on a narrow terminal.
    private static ReportTable Table(string title, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows, string? note = null) =>
        new(title, headers, rows.ToArray(), note, ["variant"]);

    private static string FailedAndLost(VariantResult v) => $"{ReportWriter.N(v.FailedSteps)} / {ReportWriter.N(v.LostSteps)}{(v.Stalled ? " (stalled)" : string.Empty)}";

    private static string Money(VariantResult v, Func<VariantMoney, string> format) => v.Money is { } m ? format(m) : "-";
}
