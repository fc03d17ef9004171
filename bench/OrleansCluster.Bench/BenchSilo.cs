using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansCluster.Grains;

namespace OrleansCluster.Bench;

/// <summary>One silo in this process on 127.0.0.1, with the grains and nothing else (no HTTP, no exporter).</summary>
internal static class BenchSilo
{
    public static async Task<IHost> StartAsync(int blockSize, int batchSteps)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(silo => silo
            .UseLocalhostClustering(siloPort: 21111, gatewayPort: 40000)
            .AddClusterSimulation(t =>
            {
                t.BlockSize = blockSize;
                t.BatchSteps = batchSteps;
                t.LogIntervalSeconds = double.MaxValue;
            }));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}
