using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace OrleansCluster.Silo.Tests.Api;

/// <summary>JSON over real HTTP to the admin API, and polling with a deadline.</summary>
internal static class AdminClient
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, Ct);
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    public static async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> SendJsonAsync(this HttpClient client, HttpMethod method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        var response = await client.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        var body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return (response.StatusCode, body, response);
    }

    public static Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> PostJsonAsync(this HttpClient client, string path, string? json = null) =>
        client.SendJsonAsync(HttpMethod.Post, path, json);

    /// <summary>A POST with an <c>Idempotency-Key</c>: its status, body and response.</summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> PostOnceAsync(this HttpClient client, string path, string json, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", key);
        var response = await client.SendAsync(request, Ct);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone();
        return (response.StatusCode, body, response);
    }

    /// <summary>Polls <c>/api/cluster</c> until <paramref name="condition"/> holds; fails after the deadline.</summary>
    public static async Task<JsonElement> WaitForClusterAsync(this HttpClient client, Func<JsonElement, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Deadline;
        JsonElement cluster;
        while (!condition(cluster = await client.GetJsonAsync("/api/cluster")))
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}; last: {cluster}");
            await Task.Delay(25, Ct);
        }

        return cluster;
    }

    public static long Step(this JsonElement cluster) => cluster.GetProperty("job").GetProperty("step").GetInt64();

    /// <summary>The run's background failures so far (<c>job.reliability.failures</c>; 0 before the job reports them).</summary>
    public static long BackgroundFailures(this JsonElement cluster) =>
        cluster.GetProperty("job").GetProperty("reliability") is { ValueKind: JsonValueKind.Object } r ? r.GetProperty("failures").GetInt64() : 0;

    public static JsonElement LastStep(this JsonElement cluster) => cluster.GetProperty("lastStep");

    public static double Figure(this JsonElement cluster, string name) =>
        cluster.GetProperty("lastStep") is { ValueKind: JsonValueKind.Object } last ? last.GetProperty(name).GetDouble() : double.NaN;

    /// <summary>
    /// Waits for a log line that matches (an audit line is written once its response is complete, which may be just
    /// after the client has it); fails after the deadline.
    /// </summary>
    public static async Task<string> WaitForLogAsync(this IEnumerable<string> logs, Func<string, bool> match, string what)
    {
        var deadline = DateTime.UtcNow + Deadline;
        string? line;
        while ((line = logs.FirstOrDefault(match)) is null)
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for the log line {what}");
            await Task.Delay(25, Ct);
        }

        return line;
    }

    /// <summary>The field names of a problem's <c>errors</c> map.</summary>
    public static string[] ErrorFields(this JsonElement problem) =>
        problem.TryGetProperty("errors", out var errors) ? errors.EnumerateObject().Select(p => p.Name).ToArray() : [];
}
