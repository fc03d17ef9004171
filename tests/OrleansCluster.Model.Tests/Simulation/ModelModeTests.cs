using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Model.Tests.Simulation;

/// <summary>The second edition (DESIGN.md section 7) against figures computed by hand.</summary>
public sealed class ModelModeTests
{
    // Three sites of 4-GPU H100 nodes, TP 2 x PP 2, P = 1e9 (P_a = 5e8), T = 1e6 tokens, BF16 gradients, 100 MB
    // buckets, the inter-site ring every 4 steps. Links: a-b 10 km + 50 us = 100 us, 800 Gbps but a 10 MB window
    // (C_eff = 1e7 / 2e-4 = 5e10 B/s); b-c 40 km = 200 us, 1,600 Gbps; a-c 2 km = 10 us, 1,200 Gbps.
    private const string ThreeSites = """
        {
          "name": "three", "seed": 3,
          "job": {
            "model": { "parameters": 1e9, "activeParameters": 5e8, "tokensPerStep": 1e6, "gradientBytesPerParameter": 2 },
            "parallelism": { "tensor": 2, "pipeline": 2 },
            "comm": { "bucketMegabytes": 100, "interSiteEverySteps": 4 },
            "mfu": 0.5
          },
          "sites": [
            { "name": "a", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 1 }, "gpusPerNode": 4, "nodes": [ { "generation": "H100", "count": 4 } ] },
            { "name": "b", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 1 }, "gpusPerNode": 4, "nodes": [ { "generation": "H100", "count": 4 } ] },
            { "name": "c", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 1 }, "gpusPerNode": 4, "nodes": [ { "generation": "H100", "count": 2 } ] }
          ],
          "links": [
            { "from": "a", "to": "b", "distanceKm": 10, "equipmentLatencyMicroseconds": 50, "bandwidthGbps": 800, "maxInFlightMegabytes": 10 },
            { "from": "b", "to": "c", "distanceKm": 40, "bandwidthGbps": 1600 },
            { "from": "a", "to": "c", "distanceKm": 2, "bandwidthGbps": 1200 }
          ],
          "noise": { "computeCv": 0, "linkJitterMicroseconds": 0 }
        }
        """;

    // W_total = 6 P_a T = 3e15 over N = 40 GPUs: 7.5e13 each, / (989e12 * 0.5).
    private const double Compute = 7.5e13 / (989e12 * 0.5);

    // G = b P g / (TP PP) = 2e9 per node; the 4-node sites: 3/4 * 2e9 / 50e9 + 3 * 1 us.
    private const double Intra = (0.75 * 2e9 / 50e9) + 3e-6;

    // G_x = b P = 2e9 over m = 3 sites at min C_eff = 5e10, every H = 4 steps; K = ceil(2e9 / 4 / 1e8) = 5
    // collectives at max L = 200 us.
    private const double Bandwidth = 4.0 / 3 * 2e9 / 5e10 / 4;
    private const double Latency = 5 * 4 * 200e-6 / 4;

    [Fact]
    public void OneByteBucketsPayEveryCollectivesLatencyAndTheStepIsRefusedForIt()
    {
        // small: a shard of 2 * 7e10 / (8 * 4) = 4.375e9 bytes in one-byte buckets is K = 4.375e9 collectives (past an
        // int), each crossing the west-east link's 25 km * 1.5 * 5 us/km + 200 us = 387.5 us: 2 K L = about 3.39e6 s.
        var scenario = TestScenarios.Preset("small", d => d["job"]!["comm"]!["bucketMegabytes"] = 1e-6);

        var step = NominalStep.Evaluate(scenario);
        var error = NominalStep.CompletionError(scenario);

        Assert.Equal(4_375_000_000L, new Workload(scenario).CollectivesPerStep);
        Assert.Equal(2 * 4.375e9 * 387.5e-6, step.Breakdown.InterSiteLatencySeconds, 1e-3);
        Assert.NotNull(error);
        Assert.Equal("job.barrierTimeoutSeconds", error.Field);
        Assert.Contains("job.comm.bucketMegabytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABucketUnderOneByteIsRefused()
    {
        var errors = Assert.Throws<ScenarioValidationException>(() => TestScenarios.Preset("small", d => d["job"]!["comm"]!["bucketMegabytes"] = 1e-7)).Errors;

        Assert.Equal("job.comm.bucketMegabytes", Assert.Single(errors).Field);
    }

    [Fact]
    public void ThreeSitesNoiseFreeStepIsTheClosedFormWithBucketsWindowAndInterval()
    {
        var scenario = ScenarioLoader.Parse(ThreeSites);
        var workload = new Workload(scenario);

        var step = new PlainLoopSimulator(scenario).Step(1);

        Assert.Equal(3e15, workload.TotalFlopsPerStep);
        Assert.Equal(5, workload.CollectivesPerStep);
        Assert.Equal(2e9, workload.InterSiteBytes);
        Assert.Equal(Compute, step.MaxComputeSeconds, 12);
        Assert.Equal(Intra, step.IntraSiteSeconds, 12);
        Assert.Equal(Bandwidth + Latency, step.InterSiteSeconds, 12);
        var total = Compute + (2 * Intra) + Bandwidth + Latency;
        Assert.Equal(total, step.StepSeconds, 12);
        Assert.Equal(new StepBreakdown(Compute, 0, 2 * Intra, Bandwidth, Latency), step.Breakdown with { }, new BreakdownComparer(1e-12));
        Assert.Equal(1e6 / total, step.TokensPerSecond, 6);
        Assert.Equal(3e15 / total, step.UsefulFlopsPerSecond, 0);
        Assert.Equal(3e15 / (40 * 989e12 * total), step.ClusterMfu, 12);
        Assert.Equal(5e10, step.Links[0].BandwidthBytesPerSecond, 3);
    }

    [Fact]
    public void ASiteWhoseNodesOfOneGenerationDifferInSizeRunsItsRingAtItsLargestNodesPace()
    {
        // One 8-GPU and three 4-GPU H100 nodes, TP 4: the 8-GPU node holds G = b P g / (TP PP) = 2 * 1e9 * 8 / 4 = 4e9
        // bytes and sets the ring's pace: 3/4 * 4e9 / 5e10 + 3 * 2 us. The mean node (5 GPUs) would give 2.5e9 bytes.
        var scenario = ScenarioLoader.Parse("""
            {
              "name": "sizes", "seed": 1,
              "job": { "model": { "parameters": 1e9, "tokensPerStep": 65536 }, "parallelism": { "tensor": 4, "pipeline": 1 }, "mfu": 0.4 },
              "sites": [ { "name": "a", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 2 },
                           "nodes": [ { "generation": "H100", "count": 1, "gpusPerNode": 8 }, { "generation": "H100", "count": 3, "gpusPerNode": 4 } ] } ],
              "noise": { "computeCv": 0, "linkJitterMicroseconds": 0 }
            }
            """);

        var step = new PlainLoopSimulator(scenario).Step(1);

        Assert.Equal((0.75 * 4e9 / 5e10) + (3 * 2e-6), step.IntraSiteSeconds, 12);
    }

    [Fact]
    public void ALatencyFaultOnAWindowLimitedLinkCostsBandwidthToo()
    {
        var simulator = new PlainLoopSimulator(ScenarioLoader.Parse(ThreeSites));
        simulator.SetLinkEffect(0, LinkEffect.None with { ExtraLatencySeconds = 100e-6 });

        var step = simulator.Step(1);

        // a-b now 200 us: its window moves 1e7 / 4e-4 = 2.5e10 B/s, half as much; max L stays 200 us.
        Assert.Equal(2 * Bandwidth, step.Breakdown.InterSiteBandwidthSeconds, 12);
        Assert.Equal(Latency, step.Breakdown.InterSiteLatencySeconds, 12);
        Assert.Equal(2.5e10, step.Links[0].BandwidthBytesPerSecond, 3);
    }

    [Fact]
    public void ADownLinkIsReplacedByItsDetour()
    {
        var simulator = new PlainLoopSimulator(ScenarioLoader.Parse(ThreeSites));
        simulator.SetLinkEffect(1, LinkEffect.None with { Up = false });

        var step = simulator.Step(1);

        // b-c routed b-a-c: latency 100 + 10 = 110 us, bandwidth half of min(5e10, 1.5e11) = 2.5e10.
        Assert.False(step.Partitioned);
        Assert.Equal(4.0 / 3 * 2e9 / 2.5e10 / 4, step.Breakdown.InterSiteBandwidthSeconds, 12);
        Assert.Equal(5 * 4 * 110e-6 / 4, step.Breakdown.InterSiteLatencySeconds, 12);
    }

    [Fact]
    public void LinksToASiteWithNoHealthyNodeDropOutOfTheRing()
    {
        var scenario = ScenarioLoader.Parse(ThreeSites);
        var layout = new ClusterLayout(scenario);
        var groups = Enumerable.Range(0, 2).Select(s =>
        {
            var distribution = new ComputeDistribution();
            foreach (var node in layout.Nodes.Where(n => n.SiteIndex == s))
            {
                distribution.Add(Compute, node.GpusPerNode);
            }

            return new GroupStats(s, scenario.Catalogue["H100"], distribution);
        }).ToArray();
        var links = scenario.Links.Select((l, j) => LinkModel.At(l, LinkEffect.None, scenario.Seed, (ulong)j, 1, 0)).ToArray();

        var step = StepEvaluator.Evaluate(scenario, groups, links, []);

        // Only a-b joins the two sites left: m = 2, C_eff = 5e10, L = 100 us (not b-c's 200 us).
        Assert.Equal(2.0 / 2 * 2e9 / 5e10 / 4, step.Breakdown.InterSiteBandwidthSeconds, 12);
        Assert.Equal(5 * 2 * 100e-6 / 4, step.Breakdown.InterSiteLatencySeconds, 12);
    }

    [Fact]
    public void ProportionalBalanceGivesEveryNodeOfTwoGenerationsTheSameNominalTime()
    {
        var scenario = ScenarioLoader.Parse("""
            {
              "name": "mixed",
              "job": { "model": { "parameters": 1e9, "tokensPerStep": 1e6 }, "balance": "proportional", "mfu": 0.4 },
              "sites": [ { "name": "dc", "fabric": { "bandwidthGbps": 400 },
                           "nodes": [ { "generation": "H100", "count": 6 }, { "generation": "A100", "count": 2 } ] } ],
              "noise": { "computeCv": 0 }
            }
            """);
        var simulator = new PlainLoopSimulator(scenario);

        var step = simulator.Step(1);

        // W_total = 6 * 1e9 * 1e6 = 6e15; sum P = 48 * 989e12 + 16 * 312e12; nominal W_total / (u sum P).
        const double sumPeak = (48 * 989e12) + (16 * 312e12);
        const double nominal = 6e15 / (0.4 * sumPeak);
        for (var i = 0; i < simulator.Layout.Nodes.Count; i++)
        {
            Assert.Equal(nominal, simulator.NominalSeconds(i), 12);
        }

        Assert.Equal(nominal, step.MaxComputeSeconds, 12);
        Assert.Equal(0, step.Breakdown.StragglerWaitSeconds, 12);
        Assert.Equal(0, step.NodeStragglerCount);
        Assert.Equal(6e15 * 989 / (sumPeak / 1e12), simulator.Workload.FlopsPerGpu(scenario.Catalogue["H100"]), 0);
        Assert.Equal(6e15 / (sumPeak * step.StepSeconds), step.ClusterMfu, 12);

        // The same job split equally waits for the A100s: 6e15 / 64 GPUs / (312e12 * 0.4).
        var equal = new PlainLoopSimulator(scenario with { Job = scenario.Job with { Balance = WorkBalance.Equal } }).Step(1);
        Assert.Equal(6e15 / 64 / (312e12 * 0.4), equal.MaxComputeSeconds, 12);
    }

    [Fact]
    public void BreakdownSumsToTheStepWithNoiseAndOverlap()
    {
        var noisy = ThreeSites
            .Replace("\"mfu\": 0.5", "\"mfu\": 0.5, \"commOverlap\": 0.3", StringComparison.Ordinal)
            .Replace("\"computeCv\": 0, \"linkJitterMicroseconds\": 0", "\"computeCv\": 0.05, \"linkJitterMicroseconds\": 40, \"nodeCv\": 0.08, \"outlierProbability\": 0.2", StringComparison.Ordinal);
        var simulator = new PlainLoopSimulator(ScenarioLoader.Parse(noisy));

        for (var k = 1; k <= 20; k++)
        {
            var step = simulator.Step(k);
            var b = step.Breakdown;
            Assert.Equal(step.StepSeconds, b.TotalSeconds, 12);
            Assert.Equal(step.MedianComputeSeconds, b.ComputeSeconds);
            Assert.Equal(step.MaxComputeSeconds - step.MedianComputeSeconds, b.StragglerWaitSeconds, 12);
            Assert.Equal(0.7 * 2 * step.IntraSiteSeconds, b.IntraSiteSeconds, 12);
            Assert.Equal(0.7 * step.InterSiteSeconds, b.InterSiteBandwidthSeconds + b.InterSiteLatencySeconds, 12);
        }
    }

    [Fact]
    public void NodeCvIsReproducedOverManyNodesAndPersistsFromStepToStep()
    {
        var scenario = TestScenarios.Uniform(nodes: 20_000) with { Noise = new NoiseSpec(0, 0, NodeCv: 0.08) };
        var simulator = new PlainLoopSimulator(scenario);
        var nominal = 4e14 / (989e12 * 0.4);

        var factors = Enumerable.Range(0, 20_000).Select(i => simulator.NominalSeconds(i) / nominal).ToArray();
        var mean = factors.Average();
        var sd = Math.Sqrt(factors.Sum(f => (f - mean) * (f - mean)) / (factors.Length - 1));

        // The sample CV of 20,000 log-normals at CV 0.08 has a standard error of about 0.0004.
        Assert.InRange(sd / mean, 0.078, 0.082);
        Assert.InRange(factors.Order().ElementAt(10_000), 0.997, 1.003);
        Assert.Equal(simulator.Step(1).MaxComputeSeconds, simulator.Step(2).MaxComputeSeconds);
    }

    [Fact]
    public void OutliersArriveAtTheirProbabilityWithTheirFactor()
    {
        var scenario = TestScenarios.Uniform(nodes: 10_000) with { Noise = new NoiseSpec(0, 0, OutlierProbability: 0.1, OutlierFactor: 1.5) };
        var simulator = new PlainLoopSimulator(scenario);

        var counts = Enumerable.Range(1, 5).Select(k => simulator.Step(k)).ToArray();

        // 10 % of 10,000 nodes, standard deviation 30 per step; every outlier is exactly 1.5 times the nominal.
        Assert.All(counts, s => Assert.InRange(s.NodeStragglerCount, 880, 1120));
        Assert.All(counts, s => Assert.Equal(1.5 * 4e14 / (989e12 * 0.4), s.MaxComputeSeconds, 12));
    }

    private sealed class BreakdownComparer(double tolerance) : IEqualityComparer<StepBreakdown>
    {
        public bool Equals(StepBreakdown? x, StepBreakdown? y) =>
            x is not null && y is not null && x.Values().Zip(y.Values()).All(p => Math.Abs(p.First - p.Second) <= tolerance);

        public int GetHashCode(StepBreakdown obj) => 0;
    }
}
