using System.ComponentModel.DataAnnotations;
using System.Net;
using Orleans.Configuration;
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
}

/// <summary>Makes the host an Orleans silo.</summary>
internal static class OrleansExtensions
{
    public static WebApplicationBuilder AddOrleansSilo(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("Orleans").Get<OrleansHostOptions>() ?? new OrleansHostOptions();
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        if (!string.Equals(options.Clustering, "Localhost", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"Orleans:Clustering={options.Clustering} is not available in this build; use Localhost");
        }

        // Orleans reads the "Orleans" section itself and takes "Orleans:Clustering" for its own provider
        // section. The design's one-word form (Localhost or Redis) is translated into Orleans' keys here.
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Orleans:Clustering:ProviderType"] = "Development",
            ["Orleans:Clustering:PrimarySiloEndPoint"] = new IPEndPoint(IPAddress.Loopback, options.SiloPort).ToString(),
        });

        builder.UseOrleans(silo =>
        {
            silo.AddClusterSimulation();
            silo.ConfigureEndpoints(IPAddress.Loopback, options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: false);
            silo.Configure<ClusterOptions>(cluster =>
            {
                cluster.ClusterId = options.ClusterId;
                cluster.ServiceId = options.ClusterId;
            });
        });
        return builder;
    }
}
