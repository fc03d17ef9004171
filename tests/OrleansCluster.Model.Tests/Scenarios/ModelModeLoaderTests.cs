using OrleansCluster.Model.Scenarios;

namespace OrleansCluster.Model.Tests.Scenarios;

public sealed class ModelModeLoaderTests
{
    private const string Valid = """
        {
          "name": "shaped",
          "job": {
            "model": { "parameters": 8e9, "activeParameters": 2e9, "tokensPerStep": 4194304, "gradientBytesPerParameter": 2 },
            "parallelism": { "tensor": 4, "pipeline": 2 },
            "comm": { "bucketMegabytes": 50, "interSiteEverySteps": 4 },
            "balance": "proportional"
          },
          "sites": [
            { "name": "a", "fabric": { "bandwidthGbps": 400 }, "nodes": [ { "generation": "H100", "count": 2 } ] },
            { "name": "b", "fabric": { "bandwidthGbps": 400 }, "gpusPerNode": 4, "nodes": [ { "generation": "GB200", "count": 6 } ] }
          ],
          "links": [ { "from": "a", "to": "b", "distanceKm": 20, "bandwidthGbps": 100, "maxInFlightMegabytes": 64 } ],
          "noise": { "nodeCv": 0.08, "outlierProbability": 0.01, "outlierFactor": 2 }
        }
        """;

    [Fact]
    public void ModelShapeParallelismCommAndBalanceAreRead()
    {
        var s = ScenarioLoader.Parse(Valid);

        Assert.Equal(new ModelShape(8e9, 2e9, 4194304, 2), s.Job.Model);
        Assert.Equal(new Parallelism(4, 2), s.Job.Parallelism);
        Assert.Equal(50e6, s.Job.BucketBytes);
        Assert.Equal(4, s.Job.InterSiteEverySteps);
        Assert.Equal(WorkBalance.Proportional, s.Job.Balance);
        Assert.Equal(64e6, s.Links[0].MaxInFlightBytes);
        Assert.Equal(new NoiseSpec(0.02, 0, 0.08, 0.01, 2), s.Noise);
    }

    [Fact]
    public void DefaultsAreOneReplicaPerGpuEveryStepEqualAndNoWindow()
    {
        var s = ScenarioLoader.Parse(Valid
            .Replace("\"activeParameters\": 2e9, ", string.Empty, StringComparison.Ordinal)
            .Replace(", \"gradientBytesPerParameter\": 2", string.Empty, StringComparison.Ordinal)
            .Replace(", \"maxInFlightMegabytes\": 64", string.Empty, StringComparison.Ordinal)
            .Replace("\"parallelism\": { \"tensor\": 4, \"pipeline\": 2 },", string.Empty, StringComparison.Ordinal)
            .Replace("\"comm\": { \"bucketMegabytes\": 50, \"interSiteEverySteps\": 4 },", string.Empty, StringComparison.Ordinal)
            .Replace("\"balance\": \"proportional\"", "\"mfu\": 0.4", StringComparison.Ordinal));

        Assert.Equal(new ModelShape(8e9, 8e9, 4194304, 2), s.Job.Model);
        Assert.Equal(Parallelism.None, s.Job.Parallelism);
        Assert.Equal(25e6, s.Job.BucketBytes);
        Assert.Equal(1, s.Job.InterSiteEverySteps);
        Assert.Equal(WorkBalance.Equal, s.Job.Balance);
        Assert.True(double.IsPositiveInfinity(s.Links[0].MaxInFlightBytes));
    }

    [Theory]
    [InlineData("\"balance\": \"proportional\"", "\"balance\": \"proportional\", \"flopsPerGpuPerStep\": 1e14", "job.flopsPerGpuPerStep: must be absent with job.model: the model shape sets the work and the traffic")]
    [InlineData("\"balance\": \"proportional\"", "\"balance\": \"proportional\", \"gradientBytes\": 1e9", "job.gradientBytes: must be absent with job.model: the model shape sets the work and the traffic")]
    [InlineData("\"tensor\": 4", "\"tensor\": 8", "job.parallelism: sites[1] ('b') holds 24 GPUs, not a multiple of tensor x pipeline = 16: every site holds whole replicas")]
    [InlineData("\"pipeline\": 2", "\"pipeline\": 3", "job.parallelism: sites[0] ('a') holds 16 GPUs, not a multiple of tensor x pipeline = 12: every site holds whole replicas")]
    [InlineData("\"activeParameters\": 2e9", "\"activeParameters\": 9e9", "job.model.activeParameters: 9000000000 must be within [1, parameters]")]
    [InlineData("\"tokensPerStep\": 4194304", "\"tokensPerStep\": 0", "job.model.tokensPerStep: 0 must be within [1, 1e12]")]
    [InlineData("\"gradientBytesPerParameter\": 2", "\"gradientBytesPerParameter\": 0", "job.model.gradientBytesPerParameter: 0 must be within (0, 16]")]
    [InlineData("\"tensor\": 4", "\"tensor\": 0", "job.parallelism.tensor: 0 must be within [1, 1024]")]
    [InlineData("\"bucketMegabytes\": 50", "\"bucketMegabytes\": 0", "job.comm.bucketMegabytes: 0 must be within [1e-6, 1e6] (a bucket holds at least one byte)")]
    [InlineData("\"interSiteEverySteps\": 4", "\"interSiteEverySteps\": 0", "job.comm.interSiteEverySteps: 0 must be within [1, 1000000]")]
    [InlineData("\"balance\": \"proportional\"", "\"balance\": \"fastest\"", "job.balance: 'fastest' must be 'equal' or 'proportional'")]
    [InlineData("\"maxInFlightMegabytes\": 64", "\"maxInFlightMegabytes\": 0", "links[0].maxInFlightMegabytes: 0 must be within (0, 1e6]")]
    [InlineData("\"nodeCv\": 0.08", "\"nodeCv\": 2", "noise.nodeCv: 2 must be within [0, 1]")]
    [InlineData("\"outlierProbability\": 0.01", "\"outlierProbability\": 1.5", "noise.outlierProbability: 1.5 must be within [0, 1]")]
    [InlineData("\"outlierFactor\": 2", "\"outlierFactor\": 0.5", "noise.outlierFactor: 0.5 must be within [1, 100]")]
    public void BadModelFieldsAreRefusedWithTheFieldNamed(string find, string replace, string expected)
    {
        var json = Valid.Replace(find, replace, StringComparison.Ordinal);
        Assert.NotEqual(Valid, json);

        var e = Assert.Throws<ScenarioValidationException>(() => ScenarioLoader.Parse(json));

        Assert.Contains(expected, e.Errors.Select(x => x.ToString()));
    }

    [Fact]
    public void DirectModeRefusesParallelismAndCommButKeepsItsOwnFields()
    {
        const string direct = """
            {
              "name": "direct",
              "job": { "flopsPerGpuPerStep": 1e14, "gradientBytes": 1e9, "parallelism": { "tensor": 2 }, "comm": { "interSiteEverySteps": 2 } },
              "sites": [ { "name": "a", "fabric": { "bandwidthGbps": 400 }, "nodes": [ { "generation": "H100", "count": 2 } ] } ]
            }
            """;

        var e = Assert.Throws<ScenarioValidationException>(() => ScenarioLoader.Parse(direct));

        Assert.Contains("job.parallelism: only with job.model (the direct mode has no model shape to split)", e.Errors.Select(x => x.ToString()));
        Assert.Contains("job.comm: only with job.model (the direct mode has no model shape to split)", e.Errors.Select(x => x.ToString()));
    }

    [Fact]
    public void NeitherModeIsRefusedNamingBothDirectFields()
    {
        var e = Assert.Throws<ScenarioValidationException>(() => ScenarioLoader.Parse("""
            { "name": "none", "job": { "mfu": 0.4 },
              "sites": [ { "name": "a", "fabric": { "bandwidthGbps": 400 }, "nodes": [ { "generation": "H100", "count": 2 } ] } ] }
            """));

        Assert.Contains("job.flopsPerGpuPerStep: required (or give job.model)", e.Errors.Select(x => x.ToString()));
        Assert.Contains("job.gradientBytes: required (or give job.model)", e.Errors.Select(x => x.ToString()));
    }
}
