using System.Net;
using System.Text.Json;

namespace OrleansCluster.Silo.Tests.Api;

/// <summary><c>/healthz</c> says when a running job has stopped completing steps, and why.</summary>
public sealed class HealthTests : IAsyncLifetime
{
    private readonly SiloFactory _factory = new()
    {
        Settings = new Dictionary<string, string> { ["Simulation:StallSeconds"] = "2" },
    };

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task AJobThatStopsCompletingStepsIsUnhealthyWithTheReasonUntilItStepsAgain()
    {
        using var client = _factory.CreateAdminClient();
        await client.WaitForClusterAsync(c => c.Step() >= 3, "the job to step");
        var (healthy, body) = await HealthAsync(client);
        Assert.Equal(HttpStatusCode.OK, healthy);
        Assert.Equal("Healthy", body.GetProperty("status").GetString());

        // A partition fails every step: the job runs, but no step completes.
        var (status, fault, _) = await client.PostJsonAsync("/api/faults", """{"kind":"link.partition","target":{"link":"west-east"}}""");
        Assert.Equal(HttpStatusCode.Created, status);
        var stalled = await WaitForHealthAsync(client, HttpStatusCode.ServiceUnavailable);
        var description = stalled.GetProperty("checks").GetProperty("job").GetProperty("description").GetString()!;
        Assert.Equal("Unhealthy", stalled.GetProperty("status").GetString());
        Assert.Contains("no step completed for", description, StringComparison.Ordinal);
        Assert.Contains("partition", description, StringComparison.Ordinal);

        // Paused, a job is not expected to step: healthy.
        await client.PostJsonAsync("/api/job/pause");
        await WaitForHealthAsync(client, HttpStatusCode.OK);
        await client.PostJsonAsync("/api/job/resume");
        await WaitForHealthAsync(client, HttpStatusCode.ServiceUnavailable);

        // Healed, it steps again and is healthy at once.
        await client.SendJsonAsync(HttpMethod.Delete, $"/api/faults/{fault.GetProperty("id").GetString()}");
        await WaitForHealthAsync(client, HttpStatusCode.OK);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> HealthAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/healthz", AdminClient.Ct);
        var text = await response.Content.ReadAsStringAsync(AdminClient.Ct);
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    private static async Task<JsonElement> WaitForHealthAsync(HttpClient client, HttpStatusCode expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var (status, body) = await HealthAsync(client);
            if (status == expected)
            {
                return body;
            }

            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for /healthz {expected}; last: {(int)status} {body}");
            await Task.Delay(100, AdminClient.Ct);
        }
    }
}
