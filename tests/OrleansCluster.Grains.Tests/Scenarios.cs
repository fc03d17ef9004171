using System.Text.Json.Nodes;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Tests;

/// <summary>Scenario files for the grain tests, written in the format users write.</summary>
internal static class Scenarios
{
    /// <summary>A step's compute time on an H100 in <see cref="Uniform"/> and <see cref="TwoSites"/>: 4e14 FLOP at 40 % of 989 TFLOPS.</summary>
    public const double H100ComputeSeconds = 4e14 / (989e12 * 0.4);

    public static string TwoSites(double computeCv = 0, double jitterMicroseconds = 0, int checkpointEvery = 100) => $$"""
        {
          "name": "two-sites", "seed": 5,
          "job": { "flopsPerGpuPerStep": 4e14, "gradientBytes": 2e9, "mfu": 0.4, "barrierTimeoutSeconds": 30, "checkpointEverySteps": {{checkpointEvery}} },
          "sites": [
            { "name": "a", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 2 }, "nodes": [ { "generation": "H100", "count": 40 } ] },
            { "name": "b", "fabric": { "bandwidthGbps": 800, "hopLatencyMicroseconds": 1 }, "nodes": [ { "generation": "B200", "count": 24 } ] }
          ],
          "links": [ { "from": "a", "to": "b", "distanceKm": 20, "routeFactor": 1.5, "equipmentLatencyMicroseconds": 100, "bandwidthGbps": 400 } ],
          "noise": { "computeCv": {{computeCv}}, "linkJitterMicroseconds": {{jitterMicroseconds}} }
        }
        """;

    // The same two sites in model mode (DESIGN.md 7): work and traffic from a model shape, split by GPU speed,
    // persistent node noise and outliers, a window-limited link; site b mixes 8- and 4-GPU B200 nodes, whose 8-GPU nodes
    // set its ring's pace (carried up the tree as each group's largest node).
    public static string TwoSitesModel(double computeCv = 0.03, double jitterMicroseconds = 50) => $$"""
        {
          "name": "two-sites-model", "seed": 11,
          "job": {
            "model": { "parameters": 7e9, "activeParameters": 3e9, "tokensPerStep": 2097152, "gradientBytesPerParameter": 2 },
            "parallelism": { "tensor": 8, "pipeline": 2 },
            "comm": { "bucketMegabytes": 50, "interSiteEverySteps": 2 },
            "balance": "proportional", "mfu": 0.4, "barrierTimeoutSeconds": 30
          },
          "sites": [
            { "name": "a", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 2 }, "nodes": [ { "generation": "H100", "count": 40 } ] },
            { "name": "b", "fabric": { "bandwidthGbps": 800, "hopLatencyMicroseconds": 1 }, "nodes": [ { "generation": "B200", "count": 16 }, { "generation": "B200", "count": 8, "gpusPerNode": 4 } ] }
          ],
          "links": [ { "from": "a", "to": "b", "distanceKm": 20, "routeFactor": 1.5, "equipmentLatencyMicroseconds": 100, "bandwidthGbps": 400, "maxInFlightMegabytes": 8 } ],
          "noise": { "computeCv": {{computeCv}}, "linkJitterMicroseconds": {{jitterMicroseconds}}, "nodeCv": 0.05, "outlierProbability": 0.02, "outlierFactor": 1.5 }
        }
        """;

    /// <summary>
    /// <paramref name="json"/> as a build with looser bounds could have stored it, which no longer resolves: an H100 of
    /// 1e-6 TFLOPS, under today's 1e-3.
    /// </summary>
    public static ScenarioSource NoLongerResolving(string json)
    {
        var scenario = JsonNode.Parse(json)!.AsObject();
        scenario["generations"] = JsonNode.Parse("""[ { "name": "H100", "peakTflops": 1e-6 } ]""");
        return ScenarioSource.FromJson(scenario.ToJsonString());
    }

    public static string Uniform(int nodes, double computeCv = 0.01, int checkpointEvery = 5, double timeoutSeconds = 10, string site = "dc") => $$"""
        {
          "name": "uniform-test", "seed": 9,
          "job": { "flopsPerGpuPerStep": 4e14, "gradientBytes": 1e9, "barrierTimeoutSeconds": {{timeoutSeconds}}, "checkpointEverySteps": {{checkpointEvery}} },
          "sites": [ { "name": "{{site}}", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 2 }, "nodes": [ { "generation": "H100", "count": {{nodes}} } ] } ],
          "noise": { "computeCv": {{computeCv}} }
        }
        """;
}
