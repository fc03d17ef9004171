using System.Globalization;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Bench;

/// <summary>Prints a preset's shape and the model's figures: ideal (noise-free) and expected (seeded) steps.</summary>
internal static class ModelFigures
{
    public static void Print(TextWriter output, IEnumerable<string> presets, int steps)
    {
        foreach (var name in presets)
        {
            var scenario = ScenarioPresets.Load(name);
            output.WriteLine($"## {scenario.Name}");
            output.WriteLine();
            output.WriteLine($"- sites: {scenario.Sites.Count}, links: {scenario.Links.Count}, nodes: {scenario.NodeCount:N0}, GPUs: {scenario.GpuCount:N0}");
            foreach (var byGeneration in scenario.Sites.SelectMany(s => s.Nodes).GroupBy(n => n.Generation.Name).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var nodes = byGeneration.Sum(n => n.Count);
                var gpus = byGeneration.Sum(n => (long)n.Count * n.GpusPerNode);
                var nominal = ComputeModel.NominalSeconds(scenario.Job.FlopsPerGpuPerStep, byGeneration.First().Generation.PeakFlopsPerSecond, scenario.Job.Mfu);
                output.WriteLine($"  - {byGeneration.Key}: {nodes:N0} nodes, {gpus:N0} GPUs, nominal compute {Seconds(nominal)}");
            }

            var ideal = new PlainLoopSimulator(scenario with { Noise = new NoiseSpec(0, 0) }).Step(1);
            var simulator = new PlainLoopSimulator(scenario);
            var series = Enumerable.Range(1, steps).Select(k => simulator.Step(k)).ToArray();
            output.WriteLine();
            output.WriteLine("| figure | ideal (noise-free) | expected (mean of " + steps.ToString(CultureInfo.InvariantCulture) + " seeded steps) |");
            output.WriteLine("|---|---|---|");
            Row(output, "step time T_step", ideal.StepSeconds, series.Average(s => s.StepSeconds), Seconds);
            Row(output, "slowest compute max t_i", ideal.MaxComputeSeconds, series.Average(s => s.MaxComputeSeconds), Seconds);
            Row(output, "median compute", ideal.MedianComputeSeconds, series.Average(s => s.MedianComputeSeconds), Seconds);
            Row(output, "intra-site phase max T_s", ideal.IntraSiteSeconds, series.Average(s => s.IntraSiteSeconds), Seconds);
            Row(output, "inter-site ring T_x", ideal.InterSiteSeconds, series.Average(s => s.InterSiteSeconds), Seconds);
            Row(output, "straggler tax", ideal.StragglerTax, series.Average(s => s.StragglerTax), Ratio);
            Row(output, "cluster MFU", ideal.ClusterMfu, series.Average(s => s.ClusterMfu), Ratio);
            Row(output, "node stragglers", ideal.NodeStragglerCount, series.Average(s => (double)s.NodeStragglerCount), v => v.ToString("N1", CultureInfo.InvariantCulture));
            output.WriteLine();
        }
    }

    private static void Row(TextWriter output, string figure, double ideal, double expected, Func<double, string> format) =>
        output.WriteLine($"| {figure} | {format(ideal)} | {format(expected)} |");

    private static string Seconds(double s) => s >= 1 ? s.ToString("F3", CultureInfo.InvariantCulture) + " s" : (s * 1e3).ToString("F3", CultureInfo.InvariantCulture) + " ms";

    private static string Ratio(double r) => r.ToString("F4", CultureInfo.InvariantCulture);
}
