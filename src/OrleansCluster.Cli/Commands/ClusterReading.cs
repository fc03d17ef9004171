using System.Net.Http.Json;
using System.Text.Json;

namespace OrleansCluster.Cli.Commands;

/// <summary>The few figures the commands read from <c>GET /api/cluster</c>.</summary>
internal static class ClusterReading
{
    public static Task<JsonElement> ReadAsync(HttpClient admin, CancellationToken cancellationToken) =>
        admin.GetFromJsonAsync<JsonElement>("/api/cluster", cancellationToken);

    public static JsonElement Job(JsonElement cluster) => cluster.GetProperty("job");

    /// <summary>Steps the job has finished, ok or failed.</summary>
    public static long StepsFinished(JsonElement cluster) =>
        Job(cluster).GetProperty("stepsOk").GetInt64() + Job(cluster).GetProperty("stepsFailed").GetInt64();
}
