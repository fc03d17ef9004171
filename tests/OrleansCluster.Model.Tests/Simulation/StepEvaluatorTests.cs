using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Model.Tests.Simulation;

public sealed class StepEvaluatorTests
{
    private const double H100Seconds = 4e14 / (989e12 * 0.4);

    [Fact]
    public void NoiseFreeStepIsComputePlusTheAllReduceClosedForm()
    {
        var scenario = TestScenarios.Uniform(nodes: 64, gradientBytes: 2e9);
        var step = new PlainLoopSimulator(scenario).Step(1);

        // T_s = 63/64 * 2e9 / 50e9 + 63 * 2 us, twice (reduce-scatter and all-gather); one site, so T_x = 0.
        var intra = (63.0 / 64 * 2e9 / 50e9) + (63 * 2e-6);
        Assert.Equal(H100Seconds, step.MaxComputeSeconds, 12);
        Assert.Equal(H100Seconds, step.MedianComputeSeconds, 12);
        Assert.Equal(intra, step.IntraSiteSeconds, 12);
        Assert.Equal(0, step.InterSiteSeconds);
        Assert.Equal(H100Seconds + (2 * intra), step.StepSeconds, 12);
        Assert.Equal(0, step.StragglerTax, 12);
        Assert.Equal(0, step.NodeStragglerCount);
        Assert.Equal(0.4 * H100Seconds / step.StepSeconds, step.ClusterMfu, 12);
    }

    [Fact]
    public void BarrierOverIidNormalsWaitsForTheExpectedMaximum()
    {
        // ln(t_i / nominal) = sigma * z_i with z_i i.i.d. standard normal, so ln(max t / nominal) / sigma is the
        // maximum of N normals. Its exact expectation at N = 1,024 is 3.2482 (numerical integration of
        // N z phi(z) Phi(z)^(N-1)); Blom's approximation Phi^-1((N - 0.375) / (N + 0.25)) gives 3.2341, and 3.2414
        // is the exact value for N = 1,000, not 1,024.
        const int n = 1024;
        const int steps = 300;
        const double cv = 0.02;
        const double exact = 3.2482;
        var sigma = Math.Sqrt(Math.Log(1 + (cv * cv)));
        var simulator = new PlainLoopSimulator(TestScenarios.Uniform(nodes: n, computeCv: cv));

        var maxima = Enumerable.Range(1, steps).Select(k => Math.Log(simulator.Step(k).MaxComputeSeconds / H100Seconds) / sigma).ToArray();

        var blom = NormalQuantile.Of((n - 0.375) / (n + 0.25));
        Assert.Equal(3.2341, blom, 4);
        // The maximum of 1,024 normals has a standard deviation of about 0.35, so the mean of 300 has a standard
        // error of 0.02: four standard errors either side of the exact expectation.
        Assert.InRange(maxima.Average(), exact - 0.08, exact + 0.08);
    }

    [Fact]
    public void MedianOfTheNoisyClusterIsTheNominalTime()
    {
        var simulator = new PlainLoopSimulator(TestScenarios.Uniform(nodes: 4001, computeCv: 0.02));
        var medians = Enumerable.Range(1, 50).Select(k => simulator.Step(k).MedianComputeSeconds / H100Seconds).ToArray();

        // The log-normal's median is 1; the sample median of 4001 has a standard error of ~0.0004 at cv 0.02.
        Assert.InRange(medians.Average(), 0.999, 1.001);
    }

    [Fact]
    public void AGenerationThreeTimesSlowerDragsClusterMfuDownAsExpected()
    {
        // 99 H100 nodes and one node of a generation with a third of the H100's peak; no noise, no gradients and
        // no hop latency, so no communication. T_step = 3 t_h; MFU = N W / (sum P * T_step) = 100 u / ((99 + 1/3) * 3) = 100 u / 298.
        var withHops = TestScenarios.Uniform(
            nodes: 99,
            extraGroups: """, { "generation": "SLOW", "count": 1 }""",
            generations: """, "generations": [ { "name": "SLOW", "peakTflops": 329.6666666666667, "hbmGb": 80, "hbmTbps": 2, "nvlinkGBps": 600, "tdpWatts": 400 } ]""");
        var scenario = withHops with { Sites = [withHops.Sites[0] with { Fabric = new FabricSpec(50e9, 0) }] };
        var step = new PlainLoopSimulator(scenario).Step(1);

        Assert.Equal(3 * H100Seconds, step.StepSeconds, 9);
        Assert.Equal(100 * 0.4 / 298, step.ClusterMfu, 9);
        Assert.Equal(2.0 / 3, step.StragglerTax, 9);
        var straggler = Assert.Single(step.Stragglers);
        Assert.Equal("dc-00099", straggler.Node);
        Assert.Equal("SLOW", straggler.Generation);
        Assert.Equal(3, straggler.Slowdown, 9);
        Assert.Equal(1, step.NodeStragglerCount);
    }

    [Fact]
    public void SlowedNodeBecomesTheTopStragglerAndSetsTheStep()
    {
        var simulator = new PlainLoopSimulator(TestScenarios.Uniform(nodes: 200, computeCv: 0.02));
        var ordinal = simulator.Layout.OrdinalOf("dc-00042");
        simulator.SetSlowdown(ordinal, 1.5);

        var step = simulator.Step(10);

        Assert.Equal("dc-00042", step.Stragglers[0].Node);
        Assert.Equal(step.MaxComputeSeconds, step.Stragglers[0].ComputeSeconds);
        Assert.InRange(step.Stragglers[0].Slowdown, 1.35, 1.65);
    }

    [Fact]
    public void SameSeedGivesTheSameSeriesAndStepsAreIndependentOfOrder()
    {
        var scenario = ScenarioPresets.Load("small");
        var first = new PlainLoopSimulator(scenario);
        var second = new PlainLoopSimulator(scenario);
        var series = Enumerable.Range(1, 20).Select(k => first.Step(k).StepSeconds).ToArray();
        var again = Enumerable.Range(1, 20).Select(k => second.Step(k).StepSeconds).ToArray();

        Assert.Equal(series, again);
        Assert.Equal(series[14], new PlainLoopSimulator(scenario).Step(15).StepSeconds);
        var otherSeed = new PlainLoopSimulator(scenario with { Seed = scenario.Seed + 1 });
        Assert.NotEqual(series, Enumerable.Range(1, 20).Select(k => otherSeed.Step(k).StepSeconds).ToArray());
    }

    [Fact]
    public void LinkLatencyFollowsDistanceRouteAndEquipment()
    {
        var scenario = ScenarioPresets.Load("small") with { Noise = new NoiseSpec(0, 0) };
        var link = scenario.Links[0];

        var state = LinkModel.At(link, LinkEffect.None, 1, 2, 3, 0);

        // 25 km * 5 us/km * 1.5 + 200 us = 387.5 us.
        Assert.Equal(387.5e-6, state.LatencySeconds, 12);
        Assert.Equal(3200e9 / 8, state.BandwidthBytesPerSecond, 3);
    }

    [Fact]
    public void LossAndCapsCutEffectiveBandwidth()
    {
        Assert.Equal(50e9 * 0.5, LinkModel.EffectiveBandwidth(50e9, 0.5, 0), 3);
        Assert.Equal(50e9 * 0.99 / 1.5, LinkModel.EffectiveBandwidth(50e9, 1, 0.01), 3);
    }

    [Fact]
    public void SlowLinkIsALinkStragglerAndStretchesTheInterSitePhase()
    {
        var scenario = ScenarioPresets.Load("small") with { Noise = new NoiseSpec(0, 0) };
        var simulator = new PlainLoopSimulator(scenario);
        var healthy = simulator.Step(1);
        simulator.SetLinkEffect(0, LinkEffect.None with { BandwidthRatio = 0.5 });

        var slowed = simulator.Step(2);

        // small in model mode: G_x = b P = 1.4e11 bytes, K = ceil(1.4e11 / 32 / 25e6) = 175, m = 2, L = 387.5 us.
        // The link's 256 MB window over a 775 us round trip moves 2.56e8 / 7.75e-4 = 3.303e11 B/s, under its
        // 3,200 Gb/s (4e11 B/s); capped at half (2e11 B/s), the cap binds instead.
        var latencyTerm = 175 * 2 * 387.5e-6;
        var healthyBandwidth = 1.4e11 / (2.56e8 / (2 * 387.5e-6));
        var slowedBandwidth = 1.4e11 / 2e11;
        Assert.Equal(healthyBandwidth + latencyTerm, healthy.InterSiteSeconds, 12);
        Assert.Equal(slowedBandwidth + latencyTerm, slowed.InterSiteSeconds, 12);
        Assert.Equal(latencyTerm, slowed.Breakdown.InterSiteLatencySeconds, 12);
        Assert.False(healthy.Links[0].IsStraggler);
        Assert.True(slowed.Links[0].IsStraggler);
        Assert.Equal(1, slowed.LinkStragglerCount);
        Assert.Equal((slowedBandwidth + latencyTerm) / (healthyBandwidth + latencyTerm), slowed.Links[0].Stretch, 12);
    }

    [Fact]
    public void PartitionedSitesCannotAllReduce()
    {
        var simulator = new PlainLoopSimulator(ScenarioPresets.Load("small"));
        simulator.SetLinkEffect(0, LinkEffect.None with { Up = false });

        var step = simulator.Step(1);

        Assert.True(step.Partitioned);
        Assert.True(step.Links[0].IsStraggler);
        Assert.False(step.Links[0].Up);
    }

    [Fact]
    public void BySiteAndByGenerationAccountForEveryNode()
    {
        var scenario = ScenarioPresets.Load("small");
        var step = new PlainLoopSimulator(scenario).Step(3);

        Assert.Equal(scenario.NodeCount, step.BySite.Sum(s => s.Nodes));
        Assert.Equal(scenario.NodeCount, step.ByGeneration.Sum(s => s.Nodes));
        Assert.Equal(step.NodeStragglerCount, step.ByGeneration.Sum(g => g.Stragglers));
        // The 16 A100 nodes are three times slower than the H100 median: all of them straggle.
        Assert.Equal(16, step.ByGeneration.Single(g => g.Name == "A100").Stragglers);
    }

    [Fact]
    public async Task ThreadsEvaluatingAtOnceEachGetTheirOwnStepsFigures()
    {
        // The live job's grains and the what-if thread evaluate at once, and Evaluate keeps one distribution of every
        // node per thread (it was allocated afresh each step): four threads stepping at once read as one alone.
        static double[] Run(string preset, int steps)
        {
            var simulator = new PlainLoopSimulator(ScenarioPresets.Load(preset));
            return Enumerable.Range(1, steps).Select(k => simulator.Step(k)).SelectMany(r => (double[])[r.StepSeconds, r.MedianComputeSeconds, .. r.BySite.Select(g => g.MeanComputeSeconds), .. r.ByGeneration.Select(g => g.MaxSlowdown)]).ToArray();
        }

        string[] presets = ["small", "uniform", "small", "uniform"];
        var alone = presets.Select(p => Run(p, 150)).ToArray();
        var together = await Task.WhenAll(presets.Select(p => Task.Factory.StartNew(() => Run(p, 150), TestContext.Current.CancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default)));
        for (var i = 0; i < presets.Length; i++)
        {
            Assert.Equal(alone[i], together[i]);
        }
    }
}
