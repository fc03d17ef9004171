using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansCluster.Silo.Extensions;

/// <summary>What every endpoint shares: RFC 9457 problem details and camelCase JSON with enums as names.</summary>
internal static class ApiExtensions
{
    public static WebApplicationBuilder AddApiDefaults(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
            options.SerializerOptions.NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals;
        });
        return builder;
    }
}
