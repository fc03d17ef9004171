using OrleansCluster.Model.Faults;
using OrleansCluster.Model.Scenarios;

namespace OrleansCluster.Model.Tests.Failures;

public sealed class FailureLoaderTests
{
    private static string With(string job, string failures) => $$"""
        {
          "name": "f",
          "job": { "flopsPerGpuPerStep": 1e14, "gradientBytes": 1e9 {{job}} },
          "sites": [ { "name": "a", "fabric": { "bandwidthGbps": 400 }, "nodes": [ { "generation": "H100", "count": 2 } ] } ]
          {{failures}}
        }
        """;

    private static IReadOnlyList<ScenarioError> Errors(string json)
    {
        Assert.False(ScenarioLoader.TryParse(json, out _, out var errors));
        return errors;
    }

    [Fact]
    public void FailuresAreOffByDefaultAndCostsZero()
    {
        var s = ScenarioLoader.Parse(With("", ""));

        Assert.Null(s.Failures);
        Assert.Equal(0, s.Job.RestartSeconds);
        Assert.Equal(0, s.Job.CheckpointSeconds);
    }

    [Fact]
    public void ThePresetIsTheLlama3TableAndACauseOfTheSameNameReplacesItsRow()
    {
        var s = ScenarioLoader.Parse(With(""", "restartSeconds": 120, "checkpointSeconds": 30""", """
            , "failures": { "preset": "llama3", "scale": 2, "causes": [
                { "name": "gpu-hbm3", "ratePerGpuHour": 1e-4, "kind": "node.thermal-throttle", "params": { "clockRatio": 0.5 }, "repair": { "medianSeconds": 60 }, "xid": 48 },
                { "name": "fibre-cut", "ratePerLinkHour": 1e-3, "kind": "link.partition", "repair": { "medianSeconds": 3600, "cv": 0.5 } } ] }
            """));

        var f = s.Failures!;
        Assert.Equal(120, s.Job.RestartSeconds);
        Assert.Equal(30, s.Job.CheckpointSeconds);
        Assert.Equal(2, f.Scale);
        Assert.Equal(19, f.Causes.Count);
        Assert.Equal(419 - 72, (int)Math.Round(f.Causes.Where(c => c.Kind == FaultKind.NodeCrash).Sum(c => c.RatePerHour) * 54 * 24 * 16_384));
        var hbm = f.Causes.Single(c => c.Name == "gpu-hbm3");
        Assert.Equal((FaultKind.NodeThermalThrottle, 0.5, 48), (hbm.Kind, hbm.Params["clockRatio"], hbm.Xid));
    }

    [Theory]
    [InlineData("""{ "preset": "llama2" }""", "failures.preset")]
    [InlineData("""{ }""", "failures")]
    [InlineData("""{ "preset": "llama3", "scale": -1 }""", "failures.scale")]
    [InlineData("""{ "causes": [ { "name": "x", "ratePerGpuHour": 1, "ratePerLinkHour": 1, "kind": "node.crash", "repair": { "medianSeconds": 1 } } ] }""", "failures.causes[0].ratePerGpuHour")]
    [InlineData("""{ "causes": [ { "name": "x", "ratePerGpuHour": 1, "kind": "link.partition", "repair": { "medianSeconds": 1 } } ] }""", "failures.causes[0].kind")]
    [InlineData("""{ "causes": [ { "name": "x", "ratePerGpuHour": 1, "kind": "node.slowdown", "repair": { "medianSeconds": 1 } } ] }""", "failures.causes[0].params.factor")]
    [InlineData("""{ "causes": [ { "name": "x", "ratePerGpuHour": 1, "kind": "node.crash" } ] }""", "failures.causes[0].repair.medianSeconds")]
    [InlineData("""{ "causes": [ { "name": "x", "ratePerGpuHour": 1, "kind": "node.crash", "repair": { "medianSeconds": 1 }, "xid": 0 } ] }""", "failures.causes[0].xid")]
    public void ABadFailuresBlockIsRefusedNamingTheField(string failures, string field)
    {
        var errors = Errors(With("", $""", "failures": {failures}"""));

        Assert.Contains(errors, e => e.Field == field);
    }

    [Fact]
    public void ANegativeRestartCostIsRefusedNamingTheField() =>
        Assert.Contains(Errors(With(""", "restartSeconds": -1""", "")), e => e.Field == "job.restartSeconds");
}
