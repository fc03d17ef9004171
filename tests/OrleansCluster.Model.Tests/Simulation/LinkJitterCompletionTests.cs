using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Model.Tests.Simulation;

/// <summary>
/// Link jitter in the completion check (<see cref="NominalStep.CompletionError"/>). Found by probing: the small preset
/// with <c>noise.linkJitterMicroseconds</c> of 1e7 (the top of its range) loaded, and every step then failed with
/// collective_timeout (an all-reduce of about 2.8e4 s against a 30 s timeout): 16,031 failed steps in 6 s, none done.
/// </summary>
public sealed class LinkJitterCompletionTests
{
    [Fact]
    public void TheSmallPresetWithJitterAtTheTopOfItsRangeIsRefusedNamingTheJitter()
    {
        var scenario = TestScenarios.Preset("small", d => d["noise"]!["linkJitterMicroseconds"] = 1e7);

        var error = NominalStep.CompletionError(scenario);

        Assert.NotNull(error);
        Assert.Equal("noise.linkJitterMicroseconds", error.Field);
        Assert.Contains("the collective watchdog would abort at least every other step", error.Message, StringComparison.Ordinal);
        Assert.Contains("lower the jitter to ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    // Two sites, a 2e10-byte gradient, in direct mode one all-reduce a step: about 2.31 s of bandwidth terms and the
    // ring's 2 x (L + jitter), within the 10 s timeout while the median draw, 0.674 times the scale, is up to about 3.84 s.
    [InlineData(0, true)]
    [InlineData(30, true)]         // the presets' figures
    [InlineData(5_500_000, true)]  // the median draw's all-reduce at about 9.73 s: near the timeout, within it
    [InlineData(6_000_000, false)] // about 10.4 s
    [InlineData(1e7, false)]       // about 15.8 s, at the top of the field's range
    public void JitterIsRefusedOnlyWhenItsMedianDrawAbortsTheAllReduce(double jitterMicroseconds, bool runs)
    {
        var scenario = TwoSites(jitterMicroseconds);

        var error = NominalStep.CompletionError(scenario);

        Assert.True(runs == error is null, error?.Message ?? "accepted");
        Assert.Equal(runs ? null : "noise.linkJitterMicroseconds", error?.Field);
    }

    [Fact]
    public void TheAdvisedJitterLoadsAndATenthMoreDoesNot()
    {
        var error = NominalStep.CompletionError(TwoSites(1e7));
        Assert.NotNull(error);
        var advised = double.Parse(
            error.Message.Split("lower the jitter to ", StringSplitOptions.None)[1].Split(' ')[0],
            System.Globalization.CultureInfo.InvariantCulture);

        Assert.InRange(advised, 5_600_000, 5_800_000);
        Assert.Null(NominalStep.CompletionError(TwoSites(advised)));
        Assert.NotNull(NominalStep.CompletionError(TwoSites(advised * 1.1)));
    }

    private static Scenario TwoSites(double jitterMicroseconds) =>
        ScenarioLoader.Parse($$"""
        {
          "name": "jitter", "seed": 3,
          "job": { "flopsPerGpuPerStep": 4e14, "gradientBytes": 2e10, "mfu": 0.4, "barrierTimeoutSeconds": 10 },
          "sites": [
            { "name": "a", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 2 }, "nodes": [ { "generation": "H100", "count": 9 } ] },
            { "name": "b", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 2 }, "nodes": [ { "generation": "H100", "count": 5 } ] }
          ],
          "links": [ { "from": "a", "to": "b", "distanceKm": 30, "bandwidthGbps": 100 } ],
          "noise": { "computeCv": 0.02, "nodeCv": 0, "linkJitterMicroseconds": {{jitterMicroseconds.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}} }
        }
        """);
}
