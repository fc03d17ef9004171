using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansCluster.Abstractions.Api;

/// <summary>
/// The admin API's JSON, written once for both ends: the silo configures its HTTP JSON with it, and clients read
/// the records of this namespace and of <c>Messages</c> with it. camelCase names (web defaults), enums as camelCase
/// names, NaN and infinities as their names, nulls left out.
/// </summary>
public static class ApiJson
{
    public static void Configure(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
    }

    /// <summary>Options for a client: web defaults, configured as the silo's.</summary>
    public static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Configure(options);
        return options;
    }
}
