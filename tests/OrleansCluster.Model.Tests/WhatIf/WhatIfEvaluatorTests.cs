using System.Text.Json.Nodes;
using OrleansCluster.Model.Simulation;
using OrleansCluster.Model.WhatIf;

namespace OrleansCluster.Model.Tests.WhatIf;

/// <summary>A noise-free two-variant case against figures computed by hand.</summary>
public sealed class WhatIfEvaluatorTests
{
    // Two sites of two 8-GPU H100 nodes, TP 1 x PP 1, P = 1e9, T = 1e6, BF16 gradients, 1,000 MB buckets (K = 2),
    // MFU 0.5, 400 Gbps fabric (5e10 B/s) with no hop latency, one link of 100 km (500 us) at 800 Gbps (1e11 B/s).
    // H100 at 2 USD per GPU-hour; site b leased at 1e6 USD a month.
    internal const string TwoSites = """
        {
          "name": "two", "seed": 5,
          "job": { "model": { "parameters": 1e9, "tokensPerStep": 1e6, "gradientBytesPerParameter": 2 }, "comm": { "bucketMegabytes": 1000 }, "mfu": 0.5 },
          "sites": [
            { "name": "a", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 0 }, "gpusPerNode": 8, "nodes": [ { "generation": "H100", "count": 2 } ] },
            { "name": "b", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 0 }, "gpusPerNode": 8, "nodes": [ { "generation": "H100", "count": 2 } ] }
          ],
          "links": [ { "from": "a", "to": "b", "distanceKm": 100, "bandwidthGbps": 800 } ],
          "noise": { "computeCv": 0, "linkJitterMicroseconds": 0 },
          "economics": { "gpuHourPrices": { "H100": 2 }, "leaseRevenuePerMonth": { "b": 1e6 } }
        }
        """;

    [Fact]
    public void TwoVariantsMatchTheHandComputedFigures()
    {
        var report = WhatIfEvaluator.Evaluate(TwoSites, [WhatIfVariant.Baseline, new("alone", Change: "drop-site:b")], 10, WhatIfObjective.UsdPer1e21Flops, TestContext.Current.CancellationToken);

        // W_total = 6 P T = 6e15. Intra: G = 2 * 1e9 * 8 = 1.6e10 B per node, T_s = 1/2 * 1.6e10 / 5e10 = 0.16 s, twice.
        // Baseline: 32 GPUs, t = 6e15 / 32 / (989e12 * 0.5); T_x = 2(1)/2 * 2e9 / 1e11 + 2 * 2(1) * 5e-4 = 0.02 + 0.002.
        var compute = 6e15 / 32 / (989e12 * 0.5);
        var baseline = report.Variants[0];
        var step = compute + 0.32 + 0.022;
        Assert.Equal(step, baseline.MeanStepSeconds, 9);
        Assert.Equal(step, baseline.P99StepSeconds, 9);
        Assert.Equal(1e6 / step, baseline.TokensPerSecond, 6);
        Assert.Equal(6e15 / step / 1e15, baseline.UsefulPflopsPerSecond, 9);
        Assert.Equal(0.02, baseline.Breakdown.InterSiteBandwidthSeconds, 12);
        Assert.Equal(0.002, baseline.Breakdown.InterSiteLatencySeconds, 12);

        // 32 GPUs at 2 USD/h: 64 USD/h. USD per 1e21 FLOPs = (64 / 3600) * step / 6e15 * 1e21.
        Assert.Equal(64, baseline.Money!.UsdPerHour, 9);
        Assert.Equal(64.0 / 3600 * step / 6e15 * 1e21, baseline.Money.UsdPer1e21Flops, 6);
        Assert.Equal(64.0 / 3600 * step, baseline.Money.UsdPerStep, 9);
        Assert.Equal(0, baseline.Money.LeftOutLeaseUsdPerMonth);

        // Site a alone: 16 GPUs, twice the work each, no inter-site phase; b's lease (1e6 USD a month) is left out.
        var alone = report.Variants[1];
        var aloneStep = (2 * compute) + 0.32;
        Assert.Equal(aloneStep, alone.MeanStepSeconds, 9);
        Assert.Equal(1e6 / aloneStep, alone.TokensPerSecond, 6);
        Assert.Equal(32.0 / 3600 * aloneStep / 6e15 * 1e21, alone.Money!.UsdPer1e21Flops, 6);
        Assert.Equal(1e6, alone.Money.LeftOutLeaseUsdPerMonth, 6);
        Assert.Equal(((32.0 / 3600) - (1e6 / (730 * 3600))) * aloneStep / 6e15 * 1e21, alone.Money.NetUsdPer1e21Flops, 6);
        Assert.Equal(new Dictionary<string, long> { ["H100"] = 16 }, alone.GpusByGeneration);

        // a alone costs less per FLOP (half the GPUs, less than twice the time): it ranks first.
        Assert.True(alone.Money.UsdPer1e21Flops < baseline.Money.UsdPer1e21Flops);
        Assert.Equal(["alone", "baseline"], report.Ranking);
    }

    [Fact]
    public void AVariantThatIsNotAValidScenarioIsReportedAndRankedLast()
    {
        var report = WhatIfEvaluator.Evaluate(TwoSites, [new("gone", Change: "drop-site:c"), WhatIfVariant.Baseline], 2, WhatIfObjective.UsefulFlops, TestContext.Current.CancellationToken);
        Assert.Contains("no site 'c'", report.Variants[0].Error, StringComparison.Ordinal);
        Assert.Equal(["baseline", "gone"], report.Ranking);
    }

    [Theory]
    [InlineData("""{ "job": { "barrierTimeoutSeconds": 1e-300 } }""", "job.barrierTimeoutSeconds")] // gave 0 failed steps
    [InlineData("""{ "job": { "barrierTimeoutSeconds": 10 }, "noise": { "outlierProbability": 1, "outlierFactor": 100 } }""", "noise.outlierProbability")] // 38 s steps
    [InlineData("""{ "generations": [ { "name": "H100", "peakTflops": 1e308 } ] }""", "generations[0].peakTflops")]
    public void AVariantThatLoadingRefusesIsNotEvaluatedAndItsErrorNamesTheField(string patch, string field)
    {
        var variant = new WhatIfVariant("refused", JsonNode.Parse(patch)!.AsObject());

        var plan = WhatIfEvaluator.Plan(TwoSites, [WhatIfVariant.Baseline, variant]);
        var report = WhatIfEvaluator.Evaluate(plan, 2, WhatIfObjective.UsefulFlops, TestContext.Current.CancellationToken);

        var refused = plan.Variants[1];
        Assert.Null(refused.Scenario);
        Assert.Equal(field, Assert.Single(refused.Errors).Field);
        Assert.Equal($"variants[1].patch.{field}", Assert.Single(refused.RequestErrors()).Field);
        Assert.StartsWith($"{field}: ", report.Variants[1].Error, StringComparison.Ordinal);
        Assert.Null(report.Variants[0].Error);
        Assert.Equal(["baseline", "refused"], report.Ranking);
    }

    [Fact]
    public void ANamedChangeThatDoesNotApplyNamesTheChange()
    {
        var plan = WhatIfEvaluator.Plan(TwoSites, [new("gone", Change: "drop-site:c")]);

        Assert.Equal("variants[0].change", Assert.Single(plan.Variants[0].RequestErrors()).Field);
        Assert.Contains("no site 'c'", plan.Variants[0].Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, 1.0)] // link.partition: the all-reduce cannot complete
    [InlineData(true, 1e-9)] // link.bandwidth at a billionth: T_x = 0.02 s / 1e-9, past the timeout, so the watchdog aborts it
    public void AStepTheLiveJobFailsCostsTheBarrierTimeoutAndDoesNoWork(bool up, double bandwidthRatio)
    {
        // Found by probing: under a partition every step was counted failed, yet timed at its compute alone, with an MFU
        // above the healthy baseline's; the job records such a step as failed after the barrier timeout.
        var timeout = JsonNode.Parse("""{ "job": { "barrierTimeoutSeconds": 30 } }""")!.AsObject();
        var plan = WhatIfEvaluator.Plan(TwoSites, [new("both", timeout), new("alone", timeout, "drop-site:b")]);
        var faults = new WhatIfFaults(new Dictionary<string, double>(), new Dictionary<string, LinkEffect> { ["a-b"] = LinkEffect.None with { Up = up, BandwidthRatio = bandwidthRatio } });

        var report = WhatIfEvaluator.Evaluate(plan, 10, WhatIfObjective.UsdPer1e21Flops, faults, TestContext.Current.CancellationToken);

        var both = report.Variants[0];
        Assert.Equal(10, both.FailedSteps);
        Assert.Equal(30, both.MeanStepSeconds, 12);
        Assert.Equal(30, both.P99StepSeconds, 12);
        Assert.Equal(0, both.UsefulPflopsPerSecond);
        Assert.Equal(0, both.TokensPerSecond);
        Assert.Equal(0, both.ClusterMfu);
        Assert.Equal(StepBreakdown.Zero, both.Breakdown);
        Assert.Null(both.Money); // no useful work: no cost per unit of it
        Assert.True(both.Stalled); // step 1 fails, and fails again on its replay
        Assert.Equal(0, both.LostSteps);

        // Site a alone has no link to fail: its figures are the healthy ones, and it ranks first.
        var alone = report.Variants[1];
        var aloneStep = (2 * 6e15 / 32 / (989e12 * 0.5)) + 0.32;
        Assert.Equal(0, alone.FailedSteps);
        Assert.Equal(aloneStep, alone.MeanStepSeconds, 9);
        Assert.Equal(6e15 / aloneStep / 1e15, alone.UsefulPflopsPerSecond, 9);
        Assert.Equal(["alone", "both"], report.Ranking);
    }

    [Fact]
    public void AJitteredAllReduceThatOutlastsTheTimeoutFailsOnEveryReplayAndTheRunStalls()
    {
        // A link.latency fault with jitter: some steps' all-reduce outlasts a 1 s timeout (the watchdog aborts them).
        // The live job goes back to its checkpoint (step 0: one every 100 steps) and replays, drawing the same jitter for
        // the same step, so the first step that fails fails on every replay. Found by probing: the what-if went on to the
        // next step after a failure, and reported the steps that completed as useful work.
        var patch = JsonNode.Parse("""{ "job": { "barrierTimeoutSeconds": 1 } }""")!.AsObject();
        var plan = WhatIfEvaluator.Plan(TwoSites, [new("jittery", patch)]);
        var effect = LinkEffect.None with { ExtraJitterSeconds = 0.1 };
        var faults = new WhatIfFaults(new Dictionary<string, double>(), new Dictionary<string, LinkEffect> { ["a-b"] = effect });

        var result = WhatIfEvaluator.Evaluate(plan, 40, WhatIfObjective.UsefulFlops, faults, TestContext.Current.CancellationToken).Variants[0];

        var simulator = new PlainLoopSimulator(plan.Variants[0].Scenario!);
        simulator.SetLinkEffect(0, effect);
        var steps = Enumerable.Range(1, 40).Select(k => simulator.Step(k)).ToArray();
        var first = Array.FindIndex(steps, s => StepFailure.Reason(s, missed: 0, barrierTimeoutSeconds: 1) is not null) + 1; // the live job's own rule
        Assert.InRange(first, 2, 13); // some steps complete before, and the 40 steps replay it at least thrice

        // The steps run 1 .. first, then 1 .. first again, and so on: the closed form of the replay.
        var numbers = Enumerable.Range(0, 40).Select(a => (a % first) + 1).ToArray();
        var failures = numbers.Count(n => n == first);
        Assert.Equal(failures, result.FailedSteps);
        Assert.Equal(failures * (first - 1L), result.LostSteps);
        Assert.Equal(numbers.Sum(n => n == first ? 1 : steps[n - 1].StepSeconds) / 40, result.MeanStepSeconds, 12);
        Assert.Equal(numbers[^1] == first ? 0 : numbers[^1], result.ReachedStep);
        Assert.True(result.Stalled);
        Assert.StartsWith($"step {first} fails on every replay ({CollectiveWatchdog.Reason}", result.StallReason, StringComparison.Ordinal);
        Assert.Equal(0, result.UsefulPflopsPerSecond);
        Assert.Equal(0, result.TokensPerSecond);
        Assert.Equal(0, result.ClusterMfu);
        Assert.Null(result.Money);
        Assert.Equal(numbers.Where(n => n != first).Average(n => steps[n - 1].Breakdown.InterSiteLatencySeconds), result.Breakdown.InterSiteLatencySeconds, 12);
    }

    [Fact]
    public void ANodeSlowedJustUnderTheTimeoutStallsAtTheFirstStepItsNoiseTakesPastIt()
    {
        // The probe's case: a node slowed to 97 % of the barrier timeout, noise (CV 5 %) taking some of its steps past it.
        // The live job fails the first such step, evicts the node and replays from the checkpoint: the rejoin check on the
        // step after the checkpoint finds the node back within the timeout, the same draws come back, and the same step
        // fails again, for ever (/healthz unhealthy, no progress). The what-if reported 32 % of the healthy throughput.
        var patch = JsonNode.Parse("""{ "job": { "barrierTimeoutSeconds": 10, "checkpointEverySteps": 5 }, "noise": { "computeCv": 0.05 } }""")!.AsObject();
        var plan = WhatIfEvaluator.Plan(TwoSites, [new("slowed", patch)]);
        var compute = 6e15 / 32 / (989e12 * 0.5);
        var faults = new WhatIfFaults(new Dictionary<string, double> { ["a-00001"] = 9.7 / compute }, new Dictionary<string, LinkEffect>());

        var result = WhatIfEvaluator.Evaluate(plan, 60, WhatIfObjective.UsdPer1e21Flops, faults, TestContext.Current.CancellationToken).Variants[0];

        // Where the slowed node's draw passes the timeout, from the loop with every node at the barrier.
        var simulator = new PlainLoopSimulator(plan.Variants[0].Scenario!);
        simulator.SetSlowdown(1, 9.7 / compute);
        var steps = Enumerable.Range(1, 60).Select(k => simulator.Step(k)).ToArray();
        var first = Array.FindIndex(steps, s => s.MaxComputeSeconds > 10) + 1;
        Assert.True(first > 1 && (first - 1) % 5 != 0, $"step {first}: the case needs a first miss off a rejoin check"); // seed 5 gives one
        var checkpoint = (first - 1) / 5 * 5;

        // 1 .. first, then checkpoint + 1 .. first again and again.
        var cycle = first - checkpoint;
        var numbers = Enumerable.Range(0, 60).Select(a => a < first ? a + 1 : checkpoint + 1 + ((a - first) % cycle)).ToArray();
        var failures = numbers.Count(n => n == first);
        Assert.True(failures >= 2, "the budget replays the failure at least once");
        Assert.Equal(failures, result.FailedSteps);
        Assert.Equal(failures * (first - 1L - checkpoint), result.LostSteps);
        Assert.Equal(numbers.Sum(n => n == first ? 10 : steps[n - 1].StepSeconds) / 60, result.MeanStepSeconds, 9);
        Assert.True(result.Stalled);
        Assert.Equal($"step {first} fails on every replay (1 node(s) missed the barrier): the faults hold steady and its noise is drawn again from the same seed, so each replay from the checkpoint at step {checkpoint} fails it again, and the run never gets past step {first - 1}", result.StallReason);
        Assert.Equal((0, 0, 0), (result.UsefulPflopsPerSecond, result.TokensPerSecond, result.ClusterMfu));
        Assert.Null(result.Money); // no useful work: ranked last by money
    }

    [Fact]
    public void AStepFailedAtARejoinCheckIsReplayedWithoutTheNodeAndNothingIsLost()
    {
        // With a checkpoint every step, every step is a rejoin check: the step a node misses is replayed at once (the
        // checkpoint is the step before), the node still past the timeout stays out of it, and the run goes on. Each
        // miss costs one failed step (the timeout) and loses nothing.
        var patch = JsonNode.Parse("""{ "job": { "barrierTimeoutSeconds": 10, "checkpointEverySteps": 1 }, "noise": { "computeCv": 0.05 } }""")!.AsObject();
        var plan = WhatIfEvaluator.Plan(TwoSites, [new("slowed", patch)]);
        var compute = 6e15 / 32 / (989e12 * 0.5);
        var slowdown = 9.85 / compute;
        var faults = new WhatIfFaults(new Dictionary<string, double> { ["a-00001"] = slowdown }, new Dictionary<string, LinkEffect>());

        var result = WhatIfEvaluator.Evaluate(plan, 40, WhatIfObjective.UsefulFlops, faults, TestContext.Current.CancellationToken).Variants[0];

        // The node's misses, from the loop with every node at the barrier; and each step without the node, from a loop
        // where it always misses (its result is that of the nodes at the barrier).
        var scenario = plan.Variants[0].Scenario!;
        var all = new PlainLoopSimulator(scenario);
        all.SetSlowdown(1, slowdown);
        var without = new PlainLoopSimulator(scenario);
        without.SetSlowdown(1, 1e9);
        // The blocks' rule: a node at the barrier that misses it fails the step and is evicted; at a rejoin check (every
        // step here) an evicted node rejoins once within the timeout, and stays out, missing nothing, while past it.
        var (failures, elapsed, work, reached, evicted) = (0, 0.0, 0.0, 0, false);
        for (var attempts = 0; attempts < 40; attempts++)
        {
            var n = reached + 1;
            var step = all.Step(n);
            var past = step.MaxComputeSeconds > 10;
            if (past && !evicted)
            {
                (failures, elapsed, evicted) = (failures + 1, elapsed + 10, true); // the timeout, then n again
                continue;
            }

            evicted = past;
            var kept = past ? without.Step(n, 10, rejoinCheck: true, out _) : step;
            Assert.Equal(past ? 3 : 4, kept.HealthyNodes);
            elapsed += kept.StepSeconds;
            work += kept.HealthyNodes / 4.0;
            reached = n;
        }

        Assert.True(failures >= 2, $"{failures} misses: the case needs several"); // seed 5 gives them
        Assert.Equal(failures, result.FailedSteps);
        Assert.Equal(0, result.LostSteps);
        Assert.Equal(40 - failures, result.ReachedStep);
        Assert.False(result.Stalled);
        Assert.Null(result.StallReason);
        Assert.Equal(elapsed / 40, result.MeanStepSeconds, 9);
        Assert.Equal(1e6 * work / elapsed, result.TokensPerSecond, 6);
    }

    [Fact]
    public void ANodePastTheBarrierTimeoutFailsTheStepAndIsEvictedFromTheStepsAfter()
    {
        // Found by probing: a node slowed 100-fold past a 30 s barrier timeout was counted in 20 slow steps that all
        // completed (100 s each), while the live job fails one step, evicts the node and goes on without it.
        var patch = JsonNode.Parse("""{ "job": { "barrierTimeoutSeconds": 10, "checkpointEverySteps": 5 } }""")!.AsObject();
        var plan = WhatIfEvaluator.Plan(TwoSites, [new("slowed", patch)]);
        var faults = new WhatIfFaults(new Dictionary<string, double> { ["a-00001"] = 100 }, new Dictionary<string, LinkEffect>());

        var result = WhatIfEvaluator.Evaluate(plan, 10, WhatIfObjective.UsefulFlops, faults, TestContext.Current.CancellationToken).Variants[0];

        // a-00001 computes 100 x 0.38 s, past the 10 s timeout: step 1 fails (10 s, no work) and evicts it; the rejoin
        // checks after the failure and after the checkpoint at step 5 find it still past the timeout, so steps 2-10 run
        // on the other three nodes. Site b's two nodes still set the intra-site phase: the step is the healthy one, and
        // does the work of 24 of the 32 GPUs.
        var step = (6e15 / 32 / (989e12 * 0.5)) + 0.32 + 0.022;
        var elapsed = 10 + (9 * step);
        Assert.Equal(1, result.FailedSteps);
        Assert.Equal(elapsed / 10, result.MeanStepSeconds, 9);
        Assert.Equal(10, result.P99StepSeconds, 12);
        Assert.Equal(6e15 * 0.75 * 9 / elapsed / 1e15, result.UsefulPflopsPerSecond, 9);
        Assert.Equal(1e6 * 0.75 * 9 / elapsed, result.TokensPerSecond, 6);
        Assert.Equal(step, result.Breakdown.TotalSeconds, 9);
    }

    [Fact]
    public void AnEvictedNodeRejoinsOnlyAtARejoinCheckThatFindsItWithinTheTimeout()
    {
        // The blocks' rule, as the plain loop applies it for the what-if: out of the steps after it missed the barrier,
        // back at the first step after a checkpoint once within the timeout.
        var scenario = WhatIfEvaluator.Plan(TwoSites, [WhatIfVariant.Baseline]).Variants[0].Scenario!;
        var simulator = new PlainLoopSimulator(scenario);
        simulator.SetSlowdown(1, 100);

        var missedOne = simulator.Step(1, 10, rejoinCheck: true, out var missed);
        Assert.Equal((1, 3), (missed, missedOne.HealthyNodes));
        Assert.NotNull(StepFailure.Reason(missedOne, missed, 10));
        Assert.True(simulator.IsEvicted(1));

        simulator.SetSlowdown(1, 1); // repaired
        Assert.Equal((0, 3), (Missed(simulator.Step(2, 10, rejoinCheck: false, out missed), missed)));
        Assert.True(simulator.IsEvicted(1));
        Assert.Equal((0, 4), (Missed(simulator.Step(3, 10, rejoinCheck: true, out missed), missed)));
        Assert.False(simulator.IsEvicted(1));

        // Still past the timeout at a rejoin check: it stays out, and misses nothing (the step completes).
        simulator.SetSlowdown(1, 100);
        simulator.Step(4, 10, rejoinCheck: false, out _);
        Assert.Equal((0, 3), (Missed(simulator.Step(5, 10, rejoinCheck: true, out missed), missed)));
        Assert.True(simulator.IsEvicted(1));

        static (int, int) Missed(StepResult result, int missed) => (missed, result.HealthyNodes);
    }

    [Theory]
    [InlineData("baseline")] // the standard set's baseline beside a variant of that name: two different 'baseline's were reported
    [InlineData("standard")] // standard twice: every name twice in the ranking
    public void NamesMustBeUniqueOnceStandardIsExpanded(string second)
    {
        var patch = JsonNode.Parse("""{ "seed": 7 }""")!.AsObject();
        var plan = WhatIfEvaluator.Plan(TwoSites, [new("standard", Change: NamedChanges.Standard), second == "standard" ? new("standard", Change: NamedChanges.Standard) : new(second, patch)]);

        var error = Assert.Single(plan.NameErrors);
        Assert.Equal("variants[1].name", error.Field);
        Assert.StartsWith("duplicate variant 'baseline'", error.Message, StringComparison.Ordinal);
        Assert.Contains("variants[0] ('standard') expands to it", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => WhatIfEvaluator.Evaluate(plan, 1, WhatIfObjective.UsefulFlops, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void TwoVariantsOfOneNameAreRefusedNamingTheSecond()
    {
        var plan = WhatIfEvaluator.Plan(TwoSites, [new("a"), new("b"), new("a", Change: "drop-site:b")]);

        Assert.Equal("variants[2].name", Assert.Single(plan.NameErrors).Field);
    }

    [Fact]
    public void ANameGivenWithStandardPrefixesItsVariants()
    {
        var plan = WhatIfEvaluator.Plan(TwoSites, [new("mine", Change: NamedChanges.Standard), new("standard", Change: NamedChanges.Standard)]);

        Assert.Empty(plan.NameErrors);
        string[] standard = ["baseline", "drop-site:a", "drop-site:b", "heal-links", "inter-site-every:8"];
        Assert.Equal([.. standard.Select(n => $"mine/{n}"), .. standard], plan.Variants.Select(v => v.Variant.Name));
        Assert.Equal("drop-site:a", plan.Variants[1].Variant.Change);
        var report = WhatIfEvaluator.Evaluate(plan, 1, WhatIfObjective.UsefulFlops, TestContext.Current.CancellationToken);
        Assert.Equal(10, report.Ranking.Distinct().Count());
    }

    [Theory]
    [InlineData(WhatIfObjective.UsdPer1e21Flops)]
    [InlineData(WhatIfObjective.NetUsdPer1e21Flops)]
    [InlineData(WhatIfObjective.UsdPerMillionTokens)]
    public void AMoneyObjectiveWithoutPricesIsRefusedNamingTheObjective(WhatIfObjective objective)
    {
        // Found by probing: every money figure null, and the "ranking" the request's order.
        var unpriced = TwoSites.Replace("""
            "economics": { "gpuHourPrices": { "H100": 2 }, "leaseRevenuePerMonth": { "b": 1e6 } }
            """.Trim(), """
            "economics": null
            """.Trim(), StringComparison.Ordinal);
        Assert.NotEqual(TwoSites, unpriced);
        var plan = WhatIfEvaluator.Plan(unpriced, [WhatIfVariant.Baseline, new("alone", Change: "drop-site:b")]);

        var error = WhatIfEvaluator.ObjectiveError(plan, objective);

        Assert.Equal("objective", error?.Field);
        Assert.Contains("the scenario has no economics", error!.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => WhatIfEvaluator.Evaluate(plan, 1, objective, TestContext.Current.CancellationToken));
        Assert.Null(WhatIfEvaluator.ObjectiveError(plan, WhatIfObjective.UsefulFlops));
    }

    [Fact]
    public void AMoneyObjectiveRanksWhenEveryVariantsPatchGivesThePrices()
    {
        var unpriced = TwoSites.Replace("""
            "economics": { "gpuHourPrices": { "H100": 2 }, "leaseRevenuePerMonth": { "b": 1e6 } }
            """.Trim(), """
            "economics": null
            """.Trim(), StringComparison.Ordinal);
        var prices = JsonNode.Parse("""{ "economics": { "gpuHourPrices": { "H100": 2 } } }""")!.AsObject();
        var partly = JsonNode.Parse("""{ "economics": { "gpuHourPrices": { "A100": 1 } } }""")!.AsObject();

        var priced = WhatIfEvaluator.Plan(unpriced, [new("both", prices), new("alone", prices, "drop-site:b")]);
        var onePriceless = WhatIfEvaluator.Plan(unpriced, [new("both", prices), new("alone", Change: "drop-site:b"), new("wrong", partly)]);

        Assert.Null(WhatIfEvaluator.ObjectiveError(priced, WhatIfObjective.UsdPer1e21Flops));
        Assert.Equal(["alone", "both"], WhatIfEvaluator.Evaluate(priced, 2, WhatIfObjective.UsdPer1e21Flops, TestContext.Current.CancellationToken).Ranking);
        var error = WhatIfEvaluator.ObjectiveError(onePriceless, WhatIfObjective.UsdPer1e21Flops);
        Assert.Equal("objective", error?.Field);
        Assert.Contains("'alone' has no economics; 'wrong' has no price for H100", error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UsdPerMillionTokensIsRefusedInDirectMode()
    {
        var direct = TwoSites.Replace("""
            "job": { "model": { "parameters": 1e9, "tokensPerStep": 1e6, "gradientBytesPerParameter": 2 }, "comm": { "bucketMegabytes": 1000 }, "mfu": 0.5 },
            """.Trim(), """
            "job": { "flopsPerGpuPerStep": 4e14, "gradientBytes": 1e9, "mfu": 0.5 },
            """.Trim(), StringComparison.Ordinal);
        Assert.NotEqual(TwoSites, direct);
        var plan = WhatIfEvaluator.Plan(direct, [WhatIfVariant.Baseline]);

        Assert.Contains("direct mode", WhatIfEvaluator.ObjectiveError(plan, WhatIfObjective.UsdPerMillionTokens)?.Message, StringComparison.Ordinal);
        Assert.Null(WhatIfEvaluator.ObjectiveError(plan, WhatIfObjective.UsdPer1e21Flops));
    }

    [Fact]
    public void FaultsFollowTheirNodeWhenDroppingAGenerationRenumbersIds()
    {
        // a-00000, a-00001 are H100, a-00002, a-00003 A100; without H100 the A100 become a-00000, a-00001.
        const string mixed = """
            {
              "name": "mixed", "seed": 1,
              "job": { "flopsPerGpuPerStep": 4e14, "gradientBytes": 0, "mfu": 0.4 },
              "sites": [ { "name": "a", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 0 }, "nodes": [ { "generation": "H100", "count": 2 }, { "generation": "A100", "count": 2 } ] } ],
              "noise": { "computeCv": 0 }
            }
            """;
        var plan = WhatIfEvaluator.Plan(mixed, [WhatIfVariant.Baseline, new("no-h100", Change: "drop-generation:H100"), new("no-a100", Change: "drop-generation:A100")]);
        var faults = new WhatIfFaults(new Dictionary<string, double> { ["a-00002"] = 2 }, new Dictionary<string, LinkEffect>());

        var report = WhatIfEvaluator.Evaluate(plan, 2, WhatIfObjective.UsefulFlops, faults, TestContext.Current.CancellationToken);

        var slowA100 = 2 * 4e14 / (312e12 * 0.4);
        Assert.Equal(slowA100, report.Variants[0].MeanStepSeconds, 9);
        Assert.Equal(slowA100, report.Variants[1].MeanStepSeconds, 9);
        Assert.Equal(4e14 / (989e12 * 0.4), report.Variants[2].MeanStepSeconds, 9);
    }
}
