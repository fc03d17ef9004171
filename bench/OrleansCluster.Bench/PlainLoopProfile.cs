using System.Diagnostics;
using System.Globalization;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Bench;

/// <summary>
/// What the plain loop's time per node per step is made of: the whole step, then each of its per-node parts alone
/// over the same nodes (the seeded noise that makes a compute time, the sketch and min/max/sum, the top-K offer).
/// </summary>
internal static class PlainLoopProfile
{
    public static void Print(TextWriter output, Scenario scenario, int steps)
    {
        var simulator = new PlainLoopSimulator(scenario);
        var nodes = simulator.Layout.Nodes;
        var n = nodes.Count;
        var noise = scenario.Noise;
        var nominal = Enumerable.Range(0, n).Select(simulator.NominalSeconds).ToArray();
        var times = new double[n];
        var distribution = new ComputeDistribution();
        var top = new TopKSlowest(scenario.Stragglers.TopK);
        simulator.Step(1);

        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var whole = Time(steps, k => simulator.Step(k));
        var allocatedPerStep = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / (double)(steps + 1);
        var sink = 0.0;
        var draws = new ComputeDraws(noise.ComputeCv, noise.OutlierProbability, noise.OutlierFactor);
        var draw = Time(steps, k =>
        {
            for (var i = 0; i < n; i++)
            {
                times[i] = draws.Seconds(nominal[i], 1, scenario.Seed, nodes[i].Stream, k);
            }

            sink += times[n - 1];
        });
        var sketch = Time(steps, _ =>
        {
            distribution.Clear();
            for (var i = 0; i < n; i++)
            {
                distribution.Add(times[i], 8);
            }
        });
        var topK = Time(steps, _ =>
        {
            top.Clear();
            for (var i = 0; i < n; i++)
            {
                top.Offer(new StragglerCandidate(nodes[i].Id, nodes[i].SiteIndex, nodes[i].Generation.Name, times[i]));
            }
        });

        output.WriteLine($"# plain loop of {scenario.Name}: {n:N0} nodes, {steps} steps each, ns per node per step ({sink > 0})");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"allocated by a whole step: {allocatedPerStep:N0} bytes ({allocatedPerStep / n:F1} per node)"));
        output.WriteLine("| part | ns per node per step | share of the step |");
        output.WriteLine("|---|---|---|");
        foreach (var (name, seconds) in new[] { ("whole step", whole), ("seeded noise (t_i)", draw), ("sketch, min, max, sum", sketch), ("top-K offer", topK) })
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {seconds / n * 1e9:F1} | {seconds / whole:P0} |"));
        }
    }

    private static double Time(int steps, Action<long> step)
    {
        step(2); // warm-up
        var clock = Stopwatch.StartNew();
        for (var k = 3L; k < steps + 3; k++)
        {
            step(k);
        }

        return clock.Elapsed.TotalSeconds / steps;
    }
}
