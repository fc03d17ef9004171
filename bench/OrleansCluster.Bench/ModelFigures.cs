using System.Globalization;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Bench;

/// <summary>
/// Prints a preset's shape and the model's figures: ideal (noise-free) and expected (mean and standard error of
/// seeded steps), with the step-time breakdown, tokens/s and useful FLOP/s. For <c>colossus</c> also with
/// <c>balance: proportional</c> and under the Colossus-story campaign.
/// </summary>
internal static class ModelFigures
{
    private const string StoryCampaign = "colossus-story.json";

    public static void Print(TextWriter output, IEnumerable<string> presets, int steps)
    {
        foreach (var name in presets)
        {
            var scenario = ScenarioPresets.Load(name);
            PrintShape(output, scenario);
            Variant(output, "healthy", scenario, null, steps);
            if (name == "colossus")
            {
                var proportional = scenario with { Job = scenario.Job with { Balance = WorkBalance.Proportional } };
                var campaign = File.ReadAllText(CampaignEffects.FindFile(StoryCampaign));
                Variant(output, "balance: proportional", proportional, null, steps);
                Variant(output, $"under campaigns/{StoryCampaign} (every fault in force)", scenario, campaign, steps);
                Variant(output, $"balance: proportional, under campaigns/{StoryCampaign}", proportional, campaign, steps);
            }
        }
    }

    private static void PrintShape(TextWriter output, Scenario scenario)
    {
        var workload = new Workload(scenario);
        var job = scenario.Job;
        output.WriteLine($"## {scenario.Name}");
        output.WriteLine();
        output.WriteLine($"- sites: {scenario.Sites.Count}, links: {scenario.Links.Count}, nodes: {scenario.NodeCount:N0}, GPUs: {scenario.GpuCount:N0}");
        if (job.Model is { } model)
        {
            output.WriteLine($"- model: {model.Parameters:G3} parameters ({model.ActiveParameters:G3} active), {model.TokensPerStep:N0} tokens per step ({model.TokensPerStep / scenario.GpuCount:N0} per GPU), TP {job.Parallelism.Tensor} x PP {job.Parallelism.Pipeline}, balance {job.Balance.ToString().ToLowerInvariant()}");
            output.WriteLine($"- W_total {workload.TotalFlopsPerStep:E3} FLOPs; G_x {Bytes(workload.InterSiteBytes)}; K = {workload.CollectivesPerStep:N0} collectives of {Bytes(job.BucketBytes)}; H = {workload.InterSiteEverySteps}");
        }

        foreach (var byGeneration in scenario.Sites.SelectMany(s => s.Nodes).GroupBy(n => n.Generation.Name).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var nodes = byGeneration.Sum(n => n.Count);
            var gpus = byGeneration.Sum(n => (long)n.Count * n.GpusPerNode);
            output.WriteLine($"  - {byGeneration.Key}: {nodes:N0} nodes, {gpus:N0} GPUs, nominal compute {Seconds(workload.NominalSeconds(byGeneration.First().Generation))}");
        }

        foreach (var link in scenario.Links)
        {
            var effective = LinkModel.WindowLimitedBandwidth(link.BandwidthBytesPerSecond, link.NominalLatencySeconds, link.MaxInFlightBytes);
            output.WriteLine($"  - link {link.Id}: L {Seconds(link.NominalLatencySeconds)}, C {Bytes(link.BandwidthBytesPerSecond)}/s, C_eff {Bytes(effective)}/s");
        }

        output.WriteLine();
    }

    private static void Variant(TextWriter output, string title, Scenario scenario, string? campaign, int steps)
    {
        var idealLoop = new PlainLoopSimulator(scenario with { Noise = new NoiseSpec(0, 0) });
        var loop = new PlainLoopSimulator(scenario);
        if (campaign is not null)
        {
            CampaignEffects.Apply(idealLoop, campaign, noiseFree: true);
            CampaignEffects.Apply(loop, campaign);
        }

        var ideal = idealLoop.Step(1);
        var series = Enumerable.Range(1, steps).Select(k => loop.Step(k)).ToArray();
        output.WriteLine($"### {scenario.Name}: {title}");
        output.WriteLine();
        output.WriteLine($"| figure | ideal (noise-free) | expected (mean ± standard error of {steps.ToString(CultureInfo.InvariantCulture)} seeded steps) |");
        output.WriteLine("|---|---|---|");
        Row(output, "step time T_step", ideal, series, s => s.StepSeconds, Seconds);
        Row(output, "  compute (median t_i)", ideal, series, s => s.Breakdown.ComputeSeconds, Seconds);
        Row(output, "  straggler_wait (max - median)", ideal, series, s => s.Breakdown.StragglerWaitSeconds, Seconds);
        Row(output, "  intra_site (2 max T_s)", ideal, series, s => s.Breakdown.IntraSiteSeconds, Seconds);
        Row(output, "  inter_site_bandwidth", ideal, series, s => s.Breakdown.InterSiteBandwidthSeconds, Seconds);
        Row(output, "  inter_site_latency", ideal, series, s => s.Breakdown.InterSiteLatencySeconds, Seconds);
        Row(output, "inter-site share of the step", ideal, series, s => s.Breakdown.InterSiteShare, Percent);
        Row(output, "tokens/s", ideal, series, s => s.TokensPerSecond, v => v.ToString("N0", CultureInfo.InvariantCulture));
        Row(output, "useful PFLOP/s", ideal, series, s => s.UsefulFlopsPerSecond / 1e15, v => v.ToString("N1", CultureInfo.InvariantCulture));
        Row(output, "cluster MFU", ideal, series, s => s.ClusterMfu, Ratio);
        Row(output, "straggler tax", ideal, series, s => s.StragglerTax, Ratio);
        Row(output, "node stragglers", ideal, series, s => s.NodeStragglerCount, v => v.ToString("N1", CultureInfo.InvariantCulture));
        output.WriteLine();
    }

    private static void Row(TextWriter output, string figure, StepResult ideal, StepResult[] series, Func<StepResult, double> value, Func<double, string> format)
    {
        var values = series.Select(value).ToArray();
        var mean = values.Average();
        var error = values.Length > 1 ? Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1) / values.Length) : 0;
        output.WriteLine($"| {figure} | {format(value(ideal))} | {format(mean)} ± {format(error)} |");
    }

    private static string Seconds(double s) => s >= 1 ? s.ToString("F3", CultureInfo.InvariantCulture) + " s" : (s * 1e3).ToString("F3", CultureInfo.InvariantCulture) + " ms";

    private static string Ratio(double r) => r.ToString("F4", CultureInfo.InvariantCulture);

    private static string Percent(double r) => r.ToString("P1", CultureInfo.InvariantCulture);

    private static string Bytes(double b) => b >= 1e12 ? (b / 1e12).ToString("G4", CultureInfo.InvariantCulture) + " TB"
        : b >= 1e9 ? (b / 1e9).ToString("G4", CultureInfo.InvariantCulture) + " GB"
        : (b / 1e6).ToString("G4", CultureInfo.InvariantCulture) + " MB";
}
