using OrleansCluster.Cli.Commands;
using ScottPlot;

namespace OrleansCluster.Cli.Reports;

/// <summary>
/// The ramp as a picture: steps/s against cluster size (log-log, with the floor), and below it the worst
/// <c>/metrics</c> scrape time and the silos' working set against the same sizes.
/// </summary>
public static class RampChart
{
    public const int Width = 1000;
    public const int Height = 900;

    /// <summary>Draws the chart into <paramref name="path"/>; answers the file written.</summary>
    public static IReadOnlyList<string> SavePng(Ramp.Report report, string path)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(path);
        var nodes = Log(report.Stages.Select(s => (double)s.Nodes));
        var multiplot = new Multiplot();
        multiplot.AddPlots(2);

        var rate = multiplot.GetPlot(0);
        var steps = rate.Add.Scatter(nodes, Log(report.Stages.Select(s => Math.Max(s.StepsPerSecond, 0.01))));
        steps.LegendText = "steps/s at max pace";
        steps.MarkerSize = 8;
        var floor = rate.Add.HorizontalLine(Math.Log10(Math.Max(report.FloorStepsPerSecond, 0.01)));
        floor.LegendText = $"floor {ReportWriter.F(report.FloorStepsPerSecond, 1)} steps/s";
        floor.LinePattern = LinePattern.Dashed;
        SizeTicks(rate.Axes.Bottom, report);
        LogTicks(rate.Axes.Left);
        rate.Axes.Left.Label.Text = "steps/s";
        rate.Axes.Bottom.Label.Text = "nodes";
        rate.Title($"ramp on {report.Silos} silo(s): steps/s against cluster size");
        rate.ShowLegend(Alignment.UpperRight);

        var pipeline = multiplot.GetPlot(1);
        var scrape = pipeline.Add.Scatter(nodes, report.Stages.Select(s => s.ScrapeMilliseconds).ToArray());
        scrape.LegendText = "/metrics scrape ms (worst silo)";
        scrape.MarkerSize = 8;
        var memory = pipeline.Add.Scatter(nodes, report.Stages.Select(s => s.WorkingSetMiB).ToArray());
        memory.LegendText = "working set MiB (all silos)";
        memory.MarkerSize = 8;
        memory.Axes.YAxis = pipeline.Axes.Right;
        SizeTicks(pipeline.Axes.Bottom, report);
        pipeline.Axes.Bottom.Label.Text = "nodes";
        pipeline.Axes.Left.Label.Text = "scrape ms";
        pipeline.Axes.Right.Label.Text = "MiB";
        pipeline.Title("scrape time and memory against cluster size");
        pipeline.ShowLegend(Alignment.UpperLeft);

        multiplot.SavePng(path, Width, Height);
        return [path];
    }

    private static double[] Log(IEnumerable<double> values) => values.Select(Math.Log10).ToArray();

    /// <summary>On the (log) size axis, a tick at each size measured, labelled with its node count.</summary>
    private static void SizeTicks(IXAxis axis, Ramp.Report report)
    {
        var sizes = report.Stages.Select(s => s.Nodes).Distinct().Order().ToArray();
        axis.SetTicks(sizes.Select(n => Math.Log10(n)).ToArray(), sizes.Select(n => ReportWriter.N(n)).ToArray());
    }

    /// <summary>Ticks at powers of ten, labelled with the value rather than its logarithm.</summary>
    private static void LogTicks(IAxis axis) => axis.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
    {
        MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
        IntegerTicksOnly = true,
        LabelFormatter = v => ReportWriter.N(Math.Pow(10, v), v < 0 ? 2 : 0),
    };
}
