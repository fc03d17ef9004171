using System.Globalization;
using System.Text;
using OrleansCluster.Grains.Telemetry;

namespace OrleansCluster.Silo.Telemetry;

/// <summary>
/// Writes the series the OpenTelemetry exporter is not the right tool for, in the Prometheus text format:
/// the simulation's own series (each of the running scenario alone), the node histograms (pre-aggregated per block, see <see cref="NodeHistograms"/>), the top-K stragglers of the last
/// step and the opt-in per-node gauges (one series per node: the SDK keeps a slot for every label set it has seen and
/// caps an instrument at 2,000, so a set of nodes that changes from step to step would overflow it).
/// </summary>
public static class PrometheusText
{
    /// <summary>The node histograms, the sites <paramref name="fold"/> folds (none where null) added into <c>site="other"</c>.</summary>
    public static void WriteNodeHistograms(StringBuilder output, NodeHistograms histograms, SiteFold? fold = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(histograms);
        var (compute, wait) = histograms.Snapshot(fold ?? SiteFold.None);
        WriteHistogram(output, "gpusim_node_compute_seconds", "Compute time t_i of each node at each step, seconds.", compute);
        WriteHistogram(output, "gpusim_barrier_wait_seconds", "Barrier wait w_i = max t - t_i of each node at each step, seconds.", wait);
    }

    /// <summary>
    /// The simulation's gauges and counters (<see cref="SimulationMetrics.Families"/>): the series of the scenario the
    /// job runs (and the fault registry's), as the OpenTelemetry exporter printed them when they were instruments, less
    /// <c>otel_scope_name</c>. A counter's family is named without <c>_total</c> where the scraper negotiated OpenMetrics
    /// (<paramref name="openMetrics"/>), its series with it, as the exporter and the OpenMetrics format do. Sites past
    /// the first <paramref name="maxSites"/> are folded into <c>site="other"</c> (<see cref="SimulationMetrics.Families"/>).
    /// </summary>
    public static void WriteSimulation(StringBuilder output, SimulationMetrics metrics, bool openMetrics, int maxSites = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(metrics);
        foreach (var family in metrics.Families(maxSites))
        {
            var metadata = openMetrics && family.Type == "counter" && family.Name.EndsWith("_total", StringComparison.Ordinal)
                ? family.Name[..^"_total".Length]
                : family.Name;
            output.Append("# TYPE ").Append(metadata).Append(' ').Append(family.Type).Append('\n');
            output.Append("# HELP ").Append(metadata).Append(' ').Append(family.Help).Append('\n');
            foreach (var sample in family.Samples)
            {
                output.Append(family.Name).Append('{');
                for (var i = 0; i < sample.Labels.Count; i++)
                {
                    output.Append(i == 0 ? "" : ",").Append(sample.Labels[i].Key).Append("=\"").Append(Escape(sample.Labels[i].Value)).Append('"');
                }

                output.Append("} ").Append(Number(sample.Value)).Append('\n');
            }
        }
    }

    /// <summary>
    /// <c>gpusim_step_duration_seconds</c>: T_step of the completed steps of the scenario the job runs (on the silo it
    /// reports to), every bucket of <see cref="StepSeries.BucketBounds"/>, as the SDK's histogram wrote it for every
    /// scenario the silo had run.
    /// </summary>
    public static void WriteStepDurations(StringBuilder output, SimulationMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(metrics);
        output.Append("# HELP gpusim_step_duration_seconds T_step of each completed step, seconds (buckets 2 % apart from 1 ms to 1 h).\n");
        output.Append("# TYPE gpusim_step_duration_seconds histogram\n");
        if (metrics.StepDurations() is not { } series)
        {
            return;
        }

        var labels = $"scenario=\"{Escape(series.Scenario)}\"";
        var bounds = StepSeries.BucketBounds;
        long cumulative = 0;
        for (var i = 0; i < bounds.Count; i++)
        {
            cumulative += series.Counts[i];
            output.Append("gpusim_step_duration_seconds_bucket{").Append(labels).Append(",le=\"").Append(Number(bounds[i])).Append("\"} ").Append(cumulative).Append('\n');
        }

        output.Append("gpusim_step_duration_seconds_bucket{").Append(labels).Append(",le=\"+Inf\"} ").Append(series.Ok).Append('\n');
        output.Append("gpusim_step_duration_seconds_sum{").Append(labels).Append("} ").Append(Number(series.Sum)).Append('\n');
        output.Append("gpusim_step_duration_seconds_count{").Append(labels).Append("} ").Append(series.Ok).Append('\n');
    }

    /// <summary><c>gpusim_straggler_slowdown_ratio</c>: the top-K stragglers of the job's last step, and only those.</summary>
    public static void WriteTopStragglers(StringBuilder output, SimulationMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(metrics);
        output.Append("# HELP gpusim_straggler_slowdown_ratio Slowdown (t / median t) of the top-K straggling nodes of the last step.\n");
        output.Append("# TYPE gpusim_straggler_slowdown_ratio gauge\n");
        if (metrics.LastStep is not { Result: { } result } step)
        {
            return;
        }

        var scenario = Escape(step.Scenario);
        foreach (var node in result.Stragglers)
        {
            output.Append("gpusim_straggler_slowdown_ratio{scenario=\"").Append(scenario)
                .Append("\",node=\"").Append(Escape(node.Node))
                .Append("\",site=\"").Append(Escape(node.Site))
                .Append("\",generation=\"").Append(Escape(node.Generation))
                .Append("\"} ").Append(Number(node.Slowdown)).Append('\n');
        }
    }

    public static void WriteNodeGauges(StringBuilder output, NodeGauges gauges)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(gauges);
        output.Append("# HELP gpusim_node_step_compute_seconds Compute time of each node at the last step, seconds.\n");
        output.Append("# TYPE gpusim_node_step_compute_seconds gauge\n");
        foreach (var block in gauges.Snapshot())
        {
            for (var i = 0; i < block.Nodes.Count; i++)
            {
                var value = block.Latest[i];
                if (double.IsNaN(value))
                {
                    continue;
                }

                output.Append("gpusim_node_step_compute_seconds{scenario=\"").Append(Escape(block.Scenario))
                    .Append("\",node=\"").Append(Escape(block.Nodes[i]))
                    .Append("\",site=\"").Append(Escape(block.Site))
                    .Append("\",generation=\"").Append(Escape(block.Generations[i]))
                    .Append("\"} ").Append(Number(value)).Append('\n');
            }
        }
    }

    /// <summary>A label value escaped as the text format asks (backslash, quote, newline).</summary>
    public static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    public static string Number(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf" : value.ToString("R", CultureInfo.InvariantCulture);

    private static void WriteHistogram(StringBuilder output, string name, string help, IReadOnlyList<(string Scenario, string Site, string Generation, NodeHistograms.Series Series)> series)
    {
        output.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        output.Append("# TYPE ").Append(name).Append(" histogram\n");
        var bounds = BucketLattice.Bounds;

        // Every series of the histogram emits the same stretch, snapped to whole octaves of the grid: sum by (le)
        // adds a bucket only over the series that have it, so series (sites, generations, silos) whose stretches
        // differed would add up wrong.
        var (from, to) = NodeHistograms.Stretch(series.Select(s => s.Series));
        foreach (var (scenario, site, generation, s) in series)
        {
            var labels = $"scenario=\"{Escape(scenario)}\",site=\"{Escape(site)}\",generation=\"{Escape(generation)}\"";

            long cumulative = 0;
            for (var i = 0; i < from; i++)
            {
                cumulative += s.Counts[i];
            }

            for (var i = from; i <= to; i++)
            {
                cumulative += s.Counts[i];
                output.Append(name).Append("_bucket{").Append(labels).Append(",le=\"").Append(Number(bounds[i])).Append("\"} ").Append(cumulative).Append('\n');
            }

            output.Append(name).Append("_bucket{").Append(labels).Append(",le=\"+Inf\"} ").Append(s.Count).Append('\n');
            output.Append(name).Append("_sum{").Append(labels).Append("} ").Append(Number(s.Sum)).Append('\n');
            output.Append(name).Append("_count{").Append(labels).Append("} ").Append(s.Count).Append('\n');
        }
    }
}
