namespace OrleansCluster.Silo.Tests.Api;

/// <summary>A noise-free two-site scenario whose every figure has a closed form.</summary>
internal static class TestScenarios
{
    /// <summary>t = 4e14 / (989e12 * 0.4) for every node: all are H100.</summary>
    public const double ComputeSeconds = 4e14 / (989e12 * 0.4);

    /// <summary>L = 20 km * 5 us/km * 1.5 + 100 us.</summary>
    public const double LinkLatencySeconds = (20 * 5e-6 * 1.5) + 100e-6;

    /// <summary>C = 400 Gb/s.</summary>
    public const double LinkBandwidth = 400e9 / 8;

    /// <summary>T_x with m = 2: G / C + 2 L, G = 1 GB.</summary>
    public const double InterSiteSeconds = (1e9 / LinkBandwidth) + (2 * LinkLatencySeconds);

    public const string Effects = """
        {
          "name": "effects", "seed": 3,
          "job": { "flopsPerGpuPerStep": 4e14, "gradientBytes": 1e9, "barrierTimeoutSeconds": 10, "checkpointEverySteps": 5 },
          "sites": [
            { "name": "a", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 2 }, "nodes": [ { "generation": "H100", "count": 20 } ] },
            { "name": "b", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 2 }, "nodes": [ { "generation": "H100", "count": 20 } ] }
          ],
          "links": [ { "from": "a", "to": "b", "distanceKm": 20, "routeFactor": 1.5, "equipmentLatencyMicroseconds": 100, "bandwidthGbps": 400 } ],
          "noise": { "computeCv": 0, "linkJitterMicroseconds": 0 }
        }
        """;
}
