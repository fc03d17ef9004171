using System.Net;
using OrleansCluster.Silo.Tests.Api;

namespace OrleansCluster.Silo.Tests.Telemetry;

/// <summary>
/// The telemetry tests' shared reads of a real silo: a scenario loaded through <c>PUT /api/scenario</c>, and
/// <c>/metrics</c> polled until a condition holds (each test names what its failure message shows of the page).
/// </summary>
internal static class MetricsPage
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    public static async Task LoadAsync(HttpClient client, string scenario)
    {
        var (status, body, _) = await client.SendJsonAsync(HttpMethod.Put, "/api/scenario", scenario);
        Assert.True(status == HttpStatusCode.OK, body.ToString());
    }

    /// <summary>Polls <c>/metrics</c> until <paramref name="condition"/> holds; on the deadline, fails with <paramref name="shown"/>'s lines of the last page.</summary>
    public static async Task<string> WaitForAsync(HttpClient client, Func<string, bool> condition, string what, Func<string, bool> shown, int lines = 40)
    {
        var deadline = DateTime.UtcNow + Deadline;
        string page;
        while (!condition(page = await client.GetStringAsync("/metrics", AdminClient.Ct)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}; the page's lines: {string.Join("\n", page.Split('\n').Where(shown).Take(lines))}");
            await Task.Delay(100, AdminClient.Ct);
        }

        return page;
    }

    /// <summary>Whether the dcgm page has a GPU of a host whose name starts with <paramref name="prefix"/>.</summary>
    public static bool HasHost(string page, string prefix) => page.Contains($"Hostname=\"{prefix}", StringComparison.Ordinal);
}
