using OrleansCluster.Cli.Commands;
using OrleansCluster.Model.Simulation;
using OrleansCluster.Model.WhatIf;
using ScottPlot;

namespace OrleansCluster.Cli.Reports;

/// <summary>
/// The what-if as pictures: useful EFLOP/s per variant, the stacked step-time breakdown per variant, and USD per
/// 1e21 FLOPs against useful EFLOP/s. <c>whatif.png</c> holds all three; <c>whatif-eflops.png</c>,
/// <c>whatif-breakdown.png</c> and <c>whatif-cost.png</c> beside it hold one each.
/// </summary>
public static class WhatIfChart
{
    public const int Width = 1100;
    public const int Height = 600;

    private static readonly Color[] PartColours = [Colors.SteelBlue, Colors.Orange, Colors.SeaGreen, Colors.Crimson, Colors.MediumPurple];

    /// <summary>The suffixes of the single-chart files written beside <c>whatif.png</c>.</summary>
    public static IReadOnlyList<string> Singles { get; } = ["eflops", "breakdown", "cost"];

    /// <summary>Draws the three charts into <paramref name="path"/> and one each beside it; answers every file written, <paramref name="path"/> first.</summary>
    public static IReadOnlyList<string> SavePng(WhatIf.Report report, string path)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(path);
        var variants = report.Ranked().Where(v => v.Error is null).ToArray();
        Action<Plot>[] charts = [p => Throughput(p, variants), p => Breakdown(p, variants), p => Cost(p, variants)];
        var multiplot = new Multiplot();
        multiplot.AddPlots(charts.Length);
        var singles = new List<string>();
        for (var i = 0; i < charts.Length; i++)
        {
            charts[i](multiplot.GetPlot(i));
            using var single = new Plot();
            charts[i](single);
            var file = Path.Combine(Path.GetDirectoryName(path) ?? ".", $"{Path.GetFileNameWithoutExtension(path)}-{Singles[i]}.png");
            single.SavePng(file, Width, Height);
            singles.Add(file);
        }

        multiplot.SavePng(path, Width, Height * charts.Length);
        return [path, .. singles];
    }

    private static void Names(Plot plot, VariantResult[] variants)
    {
        plot.Axes.Left.SetTicks(variants.Select((_, i) => Row(variants, i)).ToArray(), variants.Select(v => v.Name).ToArray());
        plot.Axes.Left.MajorTickStyle.Length = 0;
    }

    // The first in the ranking is drawn at the top.
    private static double Row(VariantResult[] variants, int i) => variants.Length - 1 - i;

    private static void Throughput(Plot plot, VariantResult[] variants)
    {
        var bars = plot.Add.Bars(variants.Select((v, i) => new Bar
        {
            Position = Row(variants, i),
            Value = v.UsefulPflopsPerSecond / 1000,
            Label = ReportWriter.F(v.UsefulPflopsPerSecond / 1000, 2),
            FillColor = Colors.SteelBlue,
        }).ToList());
        bars.Horizontal = true;

        bars.ValueLabelStyle.FontSize = 12;
        Names(plot, variants);
        plot.Axes.Margins(left: 0, right: 0.15);
        plot.Axes.Bottom.Label.Text = "useful EFLOP/s";
        plot.Title("useful EFLOP/s per variant (in ranking order, first at the top)");
    }

    private static void Breakdown(Plot plot, VariantResult[] variants)
    {
        var bars = new List<Bar>();
        for (var i = 0; i < variants.Length; i++)
        {
            double start = 0;
            var values = variants[i].Breakdown.Values();
            for (var p = 0; p < values.Length; p++)
            {
                bars.Add(new Bar { Position = Row(variants, i), ValueBase = start, Value = start + values[p], FillColor = PartColours[p], LineWidth = 0 });
                start += values[p];
            }
        }

        var plotted = plot.Add.Bars(bars);
        plotted.Horizontal = true;
        for (var p = 0; p < PartColours.Length; p++)
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = StepBreakdown.Parts[p], FillColor = PartColours[p] });
        }

        Names(plot, variants);
        plot.Axes.Margins(left: 0, right: 0.05);
        plot.Axes.Bottom.Label.Text = "seconds per step (mean)";
        plot.Title("step-time breakdown per variant");
        plot.ShowLegend(Alignment.UpperRight);
    }

    private static void Cost(Plot plot, VariantResult[] variants)
    {
        foreach (var v in variants.Where(v => v.Money is not null))
        {
            var x = v.UsefulPflopsPerSecond / 1000;
            var y = v.Money!.UsdPer1e21Flops;
            var marker = plot.Add.Marker(x, y, MarkerShape.FilledCircle, 10);
            marker.Color = Colors.SteelBlue;
            var label = plot.Add.Text(v.Name, x, y);
            label.LabelFontSize = 11;
            label.OffsetX = 8;
            label.OffsetY = -6;
        }

        plot.Axes.Margins(0.25, 0.15);
        plot.Axes.Bottom.Label.Text = "useful EFLOP/s";
        plot.Axes.Left.Label.Text = "USD per 1e21 useful FLOPs";
        plot.Title("cost of the work against throughput (lower right is better)");
    }
}
