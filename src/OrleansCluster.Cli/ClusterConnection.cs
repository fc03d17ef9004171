using System.Globalization;
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

    /// <summary>The longest <see cref="ConnectAsync"/> waits for the cluster unless told otherwise (<c>status --connect-timeout</c>).</summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Connects through <paramref name="redis"/> when given, else to the localhost gateway on <paramref name="gatewayPort"/>,
    /// within <paramref name="timeout"/>: the Orleans client retries a gateway that is not there for about three minutes
    /// before it gives up. A connection that fails or does not come in time is a <see cref="TimeoutException"/> or an
    /// <see cref="OrleansException"/> whose one line names where the client looked.
    /// </summary>
    public static async Task<ClusterConnection> ConnectAsync(string clusterId, int gatewayPort, string? redis, TimeSpan timeout, CancellationToken cancellationToken)
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
        // Each part named with the option that sets it: the address the user meant is given with another one.
        var where = redis is null
            ? $"the gateway 127.0.0.1:{gatewayPort} (--gateway-port), cluster id {clusterId} (--cluster-id)"
            : $"Redis membership at {redis} (--redis), cluster id {clusterId} (--cluster-id)";
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(timeout);
        try
        {
            // WaitAsync as well as the token: the connection is given up at the bound whether or not the client heeds it.
            await host.StartAsync(bound.Token).WaitAsync(bound.Token);
            return new ClusterConnection(host);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            host.Dispose();
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"could not connect to the cluster through {where}: not connected within {timeout.TotalSeconds:0.###} s (--connect-timeout)"));
        }
        catch (Exception e) when (e is OrleansException or RedisException or TimeoutException)
        {
            host.Dispose();
            throw new OrleansException($"could not connect to the cluster through {where}: {FirstLine(e.Message)}", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].TrimEnd();

    private static bool IsLoopback(string redis)
    {
        var host = redis.Split(',')[0].Split(':')[0];
        return host is "localhost" || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }
}
