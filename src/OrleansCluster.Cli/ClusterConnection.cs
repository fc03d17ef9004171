using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using StackExchange.Redis;

namespace OrleansCluster.Cli;

/// <summary>
/// An Orleans client connected to a running cluster the two ways silos cluster: a localhost gateway
/// (the embedded silo) or Redis membership (cluster mode). Gateways must be on loopback.
/// </summary>
public sealed class ClusterConnection : IAsyncDisposable
{
    private readonly IHost _host;

    private ClusterConnection(IHost host) => _host = host;

    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();

    /// <summary>Connects through <paramref name="redis"/> when given, else to the localhost gateway on <paramref name="gatewayPort"/>.</summary>
    public static async Task<ClusterConnection> ConnectAsync(string clusterId, int gatewayPort, string? redis, CancellationToken cancellationToken)
    {
        if (redis is not null && !IsLoopback(redis))
        {
            throw new ArgumentException($"'{redis}' is not a loopback Redis address", nameof(redis));
        }

        // An empty builder: no appsettings or environment are read, so a stray "Orleans" section (a silo's
        // appsettings beside the tool, say) cannot reconfigure the client.
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.UseOrleansClient(client =>
        {
            if (redis is null)
            {
                client.UseLocalhostClustering(gatewayPort, serviceId: clusterId, clusterId: clusterId);
            }
            else
            {
                client.UseRedisClustering(options => options.ConfigurationOptions = ConfigurationOptions.Parse(redis));
                client.Configure<ClusterOptions>(options =>
                {
                    options.ClusterId = clusterId;
                    options.ServiceId = clusterId;
                });
            }
        });
        var host = builder.Build();
        await host.StartAsync(cancellationToken);
        return new ClusterConnection(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    private static bool IsLoopback(string redis)
    {
        var host = redis.Split(',')[0].Split(':')[0];
        return host is "localhost" || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }
}
