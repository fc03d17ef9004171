namespace OrleansCluster.Testing;

/// <summary>
/// Model mode (tokens), noise-free, two sites of 8 H100 nodes joined by one link <c>a-b</c> and a 10 s barrier
/// timeout: a partition of that link fails every step until it is cleared, and a node slowed 15-fold (0.87 s of
/// compute) misses the barrier. Shared by the tests of failed steps' rates and dcgm series, in process and under a
/// real Prometheus.
/// </summary>
public static class PartitionableScenario
{
    /// <summary>The scenario named <paramref name="name"/>, a checkpoint every <paramref name="checkpointEverySteps"/> steps.</summary>
    public static string Json(string name, int checkpointEverySteps = 5) => $$"""
        {
          "name": "{{name}}", "seed": 7,
          "job": {
            "model": { "parameters": 7e9, "tokensPerStep": 1048576 },
            "parallelism": { "tensor": 8 },
            "barrierTimeoutSeconds": 10, "checkpointEverySteps": {{checkpointEverySteps}}
          },
          "sites": [
            { "name": "a", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 2 }, "nodes": [ { "generation": "H100", "count": 8 } ] },
            { "name": "b", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 2 }, "nodes": [ { "generation": "H100", "count": 8 } ] }
          ],
          "links": [ { "from": "a", "to": "b", "distanceKm": 20, "bandwidthGbps": 400 } ],
          "noise": { "computeCv": 0, "linkJitterMicroseconds": 0 }
        }
        """;
}
