using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Model.Tests.Simulation;

public sealed class NominalStepTests
{
    [Fact]
    public void WithNoNoiseTheNominalStepIsThePlainLoopsStep()
    {
        var scenario = TwoSites(flops: 4e14, timeout: 60, fabricGbps: 400, linkGbps: 100, extraGroups: """, { "generation": "A100", "count": 7 }""");

        var nominal = NominalStep.Evaluate(scenario);
        var plain = new PlainLoopSimulator(scenario).Step(1);

        Assert.Equal(plain.StepSeconds, nominal.StepSeconds, 12);
        Assert.Equal(plain.MaxComputeSeconds, nominal.MaxComputeSeconds, 12);
        Assert.Equal(plain.IntraSiteSeconds, nominal.IntraSiteSeconds, 12);
        Assert.Equal(plain.InterSiteSeconds, nominal.InterSiteSeconds, 12);
        Assert.Equal(plain.HealthyNodes, nominal.HealthyNodes);
        Assert.True(nominal.InterSiteSeconds > 0, "the link is part of the step");
    }

    [Theory]
    [InlineData("colossus")]
    [InlineData("small")]
    [InlineData("uniform")]
    public void EveryPresetCanCompleteAStep(string preset) =>
        Assert.Null(NominalStep.CompletionError(ScenarioPresets.Load(preset)));

    [Fact]
    public void WorkNoGenerationFinishesWithinTheTimeoutIsRefusedNamingTheTimeout()
    {
        // 1e308 FLOPs a GPU: H100s would take about 1e294 s a step.
        var error = NominalStep.CompletionError(TwoSites(flops: 1e308, timeout: 60, fabricGbps: 400, linkGbps: 100));

        Assert.NotNull(error);
        Assert.Equal("job.barrierTimeoutSeconds", error.Field);
        Assert.Contains("every node would miss the barrier", error.Message, StringComparison.Ordinal);
        Assert.Contains("H100", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AGenerationTooSlowForTheTimeoutBesideOneThatFitsRunsWithoutIt()
    {
        // Equal work: an H100 computes 4e14 FLOPs at 40 % in about 1.0 s, an A100 in about 3.2 s; the A100s are evicted.
        // A 1 GB gradient all-reduces in well under a second.
        var scenario = TwoSites(flops: 4e14, timeout: 2, fabricGbps: 400, linkGbps: 100, extraGroups: """, { "generation": "A100", "count": 7 }""", gradientBytes: 1e9);
        var tooShort = NominalStep.CompletionError(TwoSites(flops: 4e14, timeout: 0.5, fabricGbps: 400, linkGbps: 100, gradientBytes: 1e9));

        Assert.Null(NominalStep.CompletionError(scenario));
        Assert.NotNull(tooShort);
        Assert.Contains("every node would miss the barrier", tooShort.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.0, 0.0, false)] // every H100 at about 1.01 s, past the 0.95 s timeout, every step
    [InlineData(0.3, 0.0, true)]  // nodes' persistent factors put about two in five of them under it
    [InlineData(0.0, 0.05, true)] // a fast per-step draw brings a node under it now and then
    public void NodesJustPastTheTimeoutAreRefusedOnlyWhenNoNoiseCouldBringOneUnder(double nodeCv, double computeCv, bool runs)
    {
        var scenario = TwoSites(flops: 4e14, timeout: 0.95, fabricGbps: 400, linkGbps: 100, gradientBytes: 1e6, noise: $$"""{ "computeCv": {{computeCv}}, "nodeCv": {{nodeCv}}, "linkJitterMicroseconds": 0 }""");

        Assert.Equal(runs, NominalStep.CompletionError(scenario) is null);
    }

    [Fact]
    public void NoNoiseMakesUpForWorkFarPastTheTimeout() =>
        Assert.NotNull(NominalStep.CompletionError(TwoSites(flops: 1e308, timeout: 60, fabricGbps: 400, linkGbps: 100, noise: """{ "computeCv": 0.5, "nodeCv": 0.5 }""")));

    [Theory]
    [InlineData(1e-300, 100)] // a fabric at 1e-300 Gbps: the ring within a site would take about 1e300 s
    [InlineData(400, 1e-9)]   // a link at a millibit a second
    public void AnAllReduceThatOutlastsTheTimeoutWithNothingWrongIsRefused(double fabricGbps, double linkGbps)
    {
        var error = NominalStep.CompletionError(TwoSites(flops: 4e14, timeout: 60, fabricGbps, linkGbps));

        Assert.NotNull(error);
        Assert.Equal("job.barrierTimeoutSeconds", error.Field);
        Assert.Contains("the all-reduce takes", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(5e-324)] // an H100's step of exactly 0 s: the barrier's sketch of compute times threw
    [InlineData(1e-3)]   // about 2.5e-18 s: noise would round some draws to 0
    public void WorkThatTakesNoTimeIsRefusedNamingTheWork(double flops)
    {
        var error = NominalStep.CompletionError(TwoSites(flops, timeout: 60, fabricGbps: 400, linkGbps: 100));

        Assert.NotNull(error);
        Assert.Equal("job.flopsPerGpuPerStep", error.Field);
        Assert.Contains("below the 1E-12 s", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ComputeThatOverflowsToInfinityIsRefusedNamingTheWork()
    {
        // 1e308 FLOPs at an MFU of 1e-300: W / (P u) is infinite, a time the barrier's sketch cannot hold.
        var scenario = ScenarioLoader.Parse("""
            {
              "name": "overflow",
              "job": { "flopsPerGpuPerStep": 1e308, "gradientBytes": 0, "mfu": 1e-300 },
              "sites": [ { "name": "a", "fabric": { "bandwidthGbps": 400 }, "nodes": [ { "generation": "H100", "count": 2 } ] } ]
            }
            """);

        var error = NominalStep.CompletionError(scenario);

        Assert.NotNull(error);
        Assert.Equal("job.flopsPerGpuPerStep", error.Field);
        Assert.Contains("overflows", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheSlowestGenerationAllowedBesideOnesThatFitStepsWithFiniteTimes()
    {
        // A GPU of 1e-3 TFLOPS (the least peakTflops allowed) takes about a million times an H100's 1.01 s: too slow
        // for the barrier, evicted in the live run, yet a finite time in the what-if's plain loop (1e-300 TFLOPS made
        // it infinite there, and the plain loop threw).
        var scenario = TestScenarios.Uniform(4, computeCv: 0.5, extraGroups: """, { "generation": "SLOW", "count": 2 }""",
            generations: """, "generations": [ { "name": "SLOW", "peakTflops": 1e-3, "hbmGb": 80, "hbmTbps": 2, "nvlinkGBps": 600, "tdpWatts": 400 } ]""");

        Assert.Null(NominalStep.CompletionError(scenario));
        var step = new PlainLoopSimulator(scenario).Step(1);
        Assert.True(double.IsFinite(step.StepSeconds) && step.StepSeconds > 1e5, $"{step.StepSeconds}");
    }

    [Theory]
    [InlineData(1.0, 100.0, false)] // every node an outlier at every step: about 101 s, past the 60 s timeout
    [InlineData(0.5, 100.0, false)] // every other step: the job would evict half its nodes a step
    [InlineData(0.1, 100.0, true)]  // now and then: those outliers are evicted like any straggler
    [InlineData(1.0, 50.0, true)]   // about 50.6 s: within the timeout
    public void OutliersAtLeastEveryOtherStepTooSlowForTheTimeoutAreRefusedNamingTheirProbability(double probability, double factor, bool runs)
    {
        var scenario = TwoSites(flops: 4e14, timeout: 60, fabricGbps: 400, linkGbps: 100, noise: $$"""{ "computeCv": 0, "nodeCv": 0, "linkJitterMicroseconds": 0, "outlierProbability": {{probability}}, "outlierFactor": {{factor}} }""");

        var error = NominalStep.CompletionError(scenario);

        Assert.Equal(runs, error is null);
        Assert.Equal(runs ? null : "noise.outlierProbability", error?.Field);
    }

    [Fact]
    public void TheSmallPresetWithEveryNodeAHundredfoldOutlierIsRefused()
    {
        // Found by probing: it loaded, and every step then failed at the barrier. Its fastest GPUs, the B200s,
        // compute a step in about 0.47 s: 47 s as outliers, past the 30 s timeout.
        var scenario = TestScenarios.Preset("small", d =>
        {
            d["noise"]!["outlierProbability"] = 1;
            d["noise"]!["outlierFactor"] = 100;
        });

        var error = NominalStep.CompletionError(scenario);

        Assert.NotNull(error);
        Assert.Equal("noise.outlierProbability", error.Field);
        Assert.Contains("B200", error.Message, StringComparison.Ordinal);
    }

    private static Scenario TwoSites(double flops, double timeout, double fabricGbps, double linkGbps, string extraGroups = "", double gradientBytes = 2e10, string noise = """{ "computeCv": 0, "nodeCv": 0, "linkJitterMicroseconds": 0 }""") =>
        ScenarioLoader.Parse($$"""
        {
          "name": "nominal", "seed": 3,
          "job": { "flopsPerGpuPerStep": {{flops}}, "gradientBytes": {{gradientBytes}}, "mfu": 0.4, "barrierTimeoutSeconds": {{timeout}} },
          "sites": [
            { "name": "a", "fabric": { "bandwidthGbps": {{fabricGbps}}, "hopLatencyMicroseconds": 2 }, "nodes": [ { "generation": "H100", "count": 9 } {{extraGroups}} ] },
            { "name": "b", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 2 }, "nodes": [ { "generation": "H100", "count": 5 } ] }
          ],
          "links": [ { "from": "a", "to": "b", "distanceKm": 30, "bandwidthGbps": {{linkGbps}} } ],
          "noise": {{noise}}
        }
        """);
}
