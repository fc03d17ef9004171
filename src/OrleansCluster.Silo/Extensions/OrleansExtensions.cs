using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Sockets;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansCluster.Grains;

namespace OrleansCluster.Silo.Extensions;

/// <summary>The <c>Orleans</c> configuration section (DESIGN.md section 5).</summary>
public sealed class OrleansHostOptions
{
    /// <summary><c>Localhost</c> (the embedded default) or <c>Redis</c>.</summary>
    [RegularExpression("^(?i:localhost|redis)$", ErrorMessage = "Orleans:Clustering must be Localhost or Redis")]
    public string Clustering { get; set; } = "Localhost";

    /// <summary>Redis connection string, for <c>Clustering=Redis</c>.</summary>
    public string? Redis { get; set; }

    /// <summary>The Orleans cluster id shared by every silo and client.</summary>
    [Required]
    public string ClusterId { get; set; } = "orleanscluster";

    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>In Redis mode, the host name or address other silos and clients reach this silo at.</summary>
    public string AdvertisedHost { get; set; } = "127.0.0.1";

    /// <summary>In Redis mode, listen on every interface (in a container) rather than only the advertised one.</summary>
    public bool ListenOnAnyAddress { get; set; }

    /// <summary>
    /// The Orleans dashboard at <c>/orleans</c> (grains, calls, silos, log stream). It profiles every grain call and,
    /// being a browser application, is open like <c>/metrics</c>: off by default, for a silo on a trusted machine.
    /// </summary>
    public bool Dashboard { get; set; }

    /// <summary>Redis clustering (and storage) rather than the embedded localhost cluster.</summary>
    public bool IsRedis => string.Equals(Clustering, "Redis", StringComparison.OrdinalIgnoreCase);
}

/// <summary>Makes the host an Orleans silo: localhost clustering and memory storage, or Redis for both.</summary>
internal static class OrleansExtensions
{
    private const string StorageSerializerKey = "orleans";

    public static WebApplicationBuilder AddOrleansSilo(this WebApplicationBuilder builder)
    {
        var options = OrleansHostOptionsValidator.Read(builder);
        var redis = options.IsRedis;

        // Orleans reads the "Orleans" section itself and takes "Orleans:Clustering" for its own provider
        // section. The design's one-word form (Localhost or Redis) is translated into Orleans' keys here, so
        // that Orleans' own providers do the work: Development (single-machine) or Redis clustering, and in
        // cluster mode Redis grain storage for the simulation's durable state.
        var settings = new Dictionary<string, string?>();
        if (redis)
        {
            settings["Orleans:Clustering:ProviderType"] = "Redis";
            settings["Orleans:Clustering:ConnectionString"] = options.Redis;
            settings[$"Orleans:GrainStorage:{SimulationStorage.Name}:ProviderType"] = "Redis";
            settings[$"Orleans:GrainStorage:{SimulationStorage.Name}:ConnectionString"] = options.Redis;

            // The durable state is Orleans-serialized ([GenerateSerializer] types, version-tolerant by [Id]),
            // not JSON: records with constructors and read-only collections round-trip as they are.
            settings[$"Orleans:GrainStorage:{SimulationStorage.Name}:SerializerKey"] = StorageSerializerKey;
            builder.Services.AddKeyedSingleton<IGrainStorageSerializer>(StorageSerializerKey, (services, _) => new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>()));
        }
        else
        {
            settings["Orleans:Clustering:ProviderType"] = "Development";
            settings["Orleans:Clustering:PrimarySiloEndPoint"] = new IPEndPoint(IPAddress.Loopback, options.SiloPort).ToString();
        }

        builder.Configuration.AddInMemoryCollection(settings);

        // Membership's clock (the watchdog reads it too): see ProcessRelativeTimeProvider for the false "deadlock".
        builder.Services.AddKeyedSingleton<TimeProvider>(TimeProviderNames.Membership, new ProcessRelativeTimeProvider());
        builder.UseOrleans(silo =>
        {
            silo.AddClusterSimulation(memoryStorage: !redis);
            if (options.Dashboard)
            {
                silo.AddDashboard();
            }
            if (redis)
            {
                // Failure detection tuned for a few silos: a silo that misses two 2 s probes is suspected, and one
                // other silo's vote declares it dead (about 5-10 s from death to the grains moving).
                silo.Configure<ClusterMembershipOptions>(membership =>
                {
                    membership.ProbeTimeout = TimeSpan.FromSeconds(2);
                    membership.NumMissedProbesLimit = 2;
                    membership.NumVotesForDeathDeclaration = 1;
                    membership.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
                });

                // Other silos reach this one at AdvertisedHost (its name in docker-compose, 127.0.0.1 on one machine).
                silo.ConfigureEndpoints(options.AdvertisedHost, options.SiloPort, options.GatewayPort, AddressFamily.InterNetwork, listenOnAnyHostAddress: options.ListenOnAnyAddress);
            }
            else
            {
                silo.ConfigureEndpoints(IPAddress.Loopback, options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: false);
            }

            silo.Configure<ClusterOptions>(cluster =>
            {
                cluster.ClusterId = options.ClusterId;
                cluster.ServiceId = options.ClusterId;
            });
        });
        return builder;
    }
}
