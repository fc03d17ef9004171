using OrleansCluster.Model.Scenarios;

namespace OrleansCluster.Model.Tests;

/// <summary>Small scenarios written in the file format, so tests read like the files users write.</summary>
internal static class TestScenarios
{
    /// <summary>One site of <paramref name="nodes"/> H100 nodes, no links.</summary>
    public static Scenario Uniform(int nodes, double computeCv = 0, double gradientBytes = 0, ulong seed = 1, string extraGroups = "", string generations = "") =>
        ScenarioLoader.Parse($$"""
        {
          "name": "test", "seed": {{seed}},
          "job": { "flopsPerGpuPerStep": 4e14, "gradientBytes": {{gradientBytes}}, "mfu": 0.4 },
          "sites": [ { "name": "dc", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 2 },
                       "nodes": [ { "generation": "H100", "count": {{nodes}} } {{extraGroups}} ] } ],
          "noise": { "computeCv": {{computeCv}} }
          {{generations}}
        }
        """);
}
