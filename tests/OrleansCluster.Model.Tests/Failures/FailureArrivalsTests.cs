using OrleansCluster.Model.Failures;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Model.Tests.Failures;

public sealed class FailureArrivalsTests
{
    private static Scenario TwoSites(ulong seed, string failures) => ScenarioLoader.Parse($$"""
        {
          "name": "two", "seed": {{seed}},
          "job": { "flopsPerGpuPerStep": 1e14, "gradientBytes": 1e9 },
          "sites": [
            { "name": "a", "fabric": { "bandwidthGbps": 400 }, "nodes": [ { "generation": "H100", "count": 30 } ] },
            { "name": "b", "fabric": { "bandwidthGbps": 400 }, "nodes": [ { "generation": "B200", "count": 10, "gpusPerNode": 4 } ] }
          ],
          "links": [ { "from": "a", "to": "b", "distanceKm": 20, "bandwidthGbps": 100 } ],
          "failures": {{failures}}
        }
        """);

    private static FailureArrivals Arrivals(Scenario scenario) => new(new ClusterLayout(scenario), scenario.Failures!);

    [Fact]
    public void ArrivalCountsLieWithinPoissonBoundsForASeededRun()
    {
        // 280 GPUs at the Llama 3 rate (419 / 21,233,664 GPU-hours) scaled 1e4: 419 / 21,233,664 * 280 * 1e4 = 55.25 an hour.
        var scenario = TwoSites(7, """{ "preset": "llama3", "scale": 1e4 }""");
        var hours = 40.0;
        var mean = 419.0 / (54 * 24 * 16_384) * 280 * 1e4 * hours;

        var count = Arrivals(scenario).Between(0, hours * 3600).Count;

        // Poisson: sd = sqrt(mean) = 47; five sd either side fails a correct generator about once in 1.7 million seeds.
        Assert.InRange(count, mean - (5 * Math.Sqrt(mean)), mean + (5 * Math.Sqrt(mean)));
        Assert.Equal(mean / hours / 3600, scenario.Failures!.TotalRatePerSecond(scenario), 1e-12);
    }

    [Fact]
    public void EachCauseArrivesInProportionToItsShareOfTheTable()
    {
        var scenario = TwoSites(3, """{ "preset": "llama3", "scale": 1e5 }""");

        var failures = Arrivals(scenario).Between(0, 20 * 3600);

        // faulty-gpu is 148 of 419: mean 0.353 of the arrivals; five binomial sd either side.
        var share = failures.Count(f => f.Cause == "faulty-gpu") / (double)failures.Count;
        var sd = Math.Sqrt(148.0 / 419 * (1 - (148.0 / 419)) / failures.Count);
        Assert.InRange(share, (148.0 / 419) - (5 * sd), (148.0 / 419) + (5 * sd));
        Assert.All(failures.Where(f => f.Cause == "gpu-hbm3"), f => Assert.Equal(48, f.Xid));
    }

    [Fact]
    public void TheSameSeedGivesTheSameHistoryHoweverSimulatedTimeIsCutIntoSteps()
    {
        var scenario = TwoSites(11, """{ "preset": "llama3", "scale": 1e4, "causes": [ { "name": "congestion", "ratePerLinkHour": 5, "kind": "link.bandwidth", "params": { "ratio": 0.5 }, "repair": { "medianSeconds": 60, "cv": 1 } } ] }""");
        var whole = Arrivals(scenario).Between(0, 7200);

        // Another instance, as another silo or another pace would hold, asked in uneven steps of 0.37 to 9.6 s.
        var stepped = new List<BackgroundFailure>();
        var arrivals = Arrivals(scenario);
        var random = new Random(5);
        for (double t = 0, next; t < 7200; t = next)
        {
            next = Math.Min(7200, t + 0.37 + (random.NextDouble() * 9.2));
            stepped.AddRange(arrivals.Between(t, next));
        }

        Assert.True(whole.Count > 100, $"{whole.Count} arrivals");
        Assert.Equal(whole, stepped);
        Assert.Contains(whole, f => f.Link == "a-b" && f.Cause == "congestion");
        Assert.All(whole.Where(f => f.Link is null), f => Assert.Contains(f.Node![0], "ab"));
    }

    [Fact]
    public void AnotherSeedGivesAnotherHistory()
    {
        var one = Arrivals(TwoSites(1, """{ "preset": "llama3", "scale": 1e4 }""")).Between(0, 3600);
        var two = Arrivals(TwoSites(2, """{ "preset": "llama3", "scale": 1e4 }""")).Between(0, 3600);

        Assert.NotEqual(one.Select(f => (f.StartSeconds, f.Node)), two.Select(f => (f.StartSeconds, f.Node)));
    }

    [Fact]
    public void TargetsAreWeightedByGpusAndRepairsFollowTheirMedian()
    {
        var scenario = TwoSites(9, """{ "causes": [ { "name": "fixed", "ratePerGpuHour": 1, "kind": "node.crash", "repair": { "medianSeconds": 30 } } ] }""");

        var failures = Arrivals(scenario).Between(0, 3600);

        // Site a holds 240 of 280 GPUs.
        var shareA = failures.Count(f => f.Node!.StartsWith("a-", StringComparison.Ordinal)) / (double)failures.Count;
        var sd = Math.Sqrt(240.0 / 280 * (40.0 / 280) / failures.Count);
        Assert.InRange(shareA, (240.0 / 280) - (5 * sd), (240.0 / 280) + (5 * sd));
        Assert.All(failures, f => Assert.Equal(30, f.RepairSeconds));
    }

    [Fact]
    public void MtbfCountsOnlyInterruptions()
    {
        var scenario = TwoSites(1, """{ "preset": "llama3", "scale": 1, "causes": [ { "name": "slow", "ratePerGpuHour": 1, "kind": "node.slowdown", "params": { "factor": 2 }, "repair": { "medianSeconds": 30 } } ] }""");

        Assert.Equal(54.0 * 24 * 16_384 / 419 / 280 * 3600, scenario.Failures!.MtbfSeconds(scenario), 1e-6);
    }

    [Fact]
    public void TheFailuresInForceAreEachCausesRateTimesItsMeanRepairCutToTheHorizon()
    {
        var scenario = TwoSites(1, """{ "scale": 2, "causes": [ { "name": "slow", "ratePerGpuHour": 1, "kind": "node.slowdown", "params": { "factor": 2 }, "repair": { "medianSeconds": 30, "cv": 0.5 } }, { "name": "stays", "ratePerGpuHour": 0.5, "kind": "node.crash", "repair": { "medianSeconds": 1e7 } } ] }""");

        // 280 GPUs x 1 an hour x 2, for a mean repair of 30 s x sqrt(1 + 0.5^2) (log-normal); and half that rate
        // for a repair longer than the horizon, which counts the horizon.
        var slow = 280.0 * 2 / 3600 * 30 * Math.Sqrt(1.25);
        Assert.Equal(slow + (280.0 / 3600 * 86_400), scenario.Failures!.InForceWithin(scenario, 86_400), 1e-9);
        Assert.Equal(slow + (280.0 / 3600 * 1e7), scenario.Failures!.InForceWithin(scenario, double.PositiveInfinity), 1e-6);
    }

    [Fact]
    public void ALinkCauseOnAScenarioWithoutLinksLoadsAndNeverFires()
    {
        // A rate per link-hour times no link: accepted (falcon's link-congestion serves a one-site scenario too) and silent.
        var scenario = TestScenarios.Preset("uniform", d => d["failures"] = System.Text.Json.Nodes.JsonNode.Parse(
            """{ "causes": [ { "name": "cut", "ratePerLinkHour": 1000, "kind": "link.partition", "repair": { "medianSeconds": 30 } } ] }"""));

        Assert.Equal(0, scenario.Failures!.TotalRatePerSecond(scenario));
        Assert.Empty(Arrivals(scenario).Between(0, 86_400));
    }
}
