using System.Globalization;
using System.Text.Json;

namespace OrleansCluster.Testing;

/// <summary>
/// A silo process on free loopback ports scraped by a real Prometheus, for the tests that check what dashboards and
/// alert rules read: starts both, answers instant queries, and stops both and deletes Prometheus' data when disposed.
/// <see cref="Folder"/> exists from construction, for files the silo is started with.
/// </summary>
public sealed class ScrapedSilo(string name, string key) : IAsyncDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private ManagedProcess? _silo;
    private ManagedProcess? _prometheus;

    public int SiloPort { get; } = ManagedProcess.FreePort();

    public int PrometheusPort { get; } = ManagedProcess.FreePort();

    /// <summary>A folder of this instance's own: Prometheus' configuration and data, and whatever the test puts there.</summary>
    public string Folder { get; } = Directory.CreateTempSubdirectory($"prometheus-{name}").FullName;

    public string SiloUrl => $"http://127.0.0.1:{SiloPort}";

    /// <summary>What the silo process has printed so far.</summary>
    public string SiloOutput => _silo?.Output ?? string.Empty;

    /// <summary>
    /// Starts the silo with its admin key, free Orleans ports, its own cluster id and <paramref name="siloArguments"/>,
    /// waits until it answers, then starts Prometheus scraping it every <paramref name="scrapeInterval"/>.
    /// </summary>
    public async Task StartAsync(IReadOnlyList<string> siloArguments, string scrapeInterval, string? scrapeTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(siloArguments);
        _silo = ManagedProcess.StartSilo(SiloPort,
        [
            "--Admin:ApiKey", key,
            "--Orleans:SiloPort", Port(ManagedProcess.FreePort()), "--Orleans:GatewayPort", Port(ManagedProcess.FreePort()),
            "--Orleans:ClusterId", $"{name}-{Guid.NewGuid():N}",
            .. siloArguments,
        ]);
        await _silo.WaitUntilAnsweringAsync($"{SiloUrl}/healthz");
        var timeout = scrapeTimeout is null ? string.Empty : $"\n  scrape_timeout: {scrapeTimeout}";
        _prometheus = await ManagedProcess.StartPrometheusAsync(Folder, PrometheusPort, $"""
            global:
              scrape_interval: {scrapeInterval}{timeout}
            scrape_configs:
              - job_name: {name}
                static_configs:
                  - targets: ["127.0.0.1:{SiloPort}"]
            """, TestContext.Current.CancellationToken);
    }

    /// <summary>An instant query's series with their labels, at <paramref name="at"/> (Unix seconds) or now.</summary>
    public async Task<IReadOnlyList<(Dictionary<string, string> Labels, double Value)>> QueryAsync(string expr, double? at = null)
    {
        var url = $"http://127.0.0.1:{PrometheusPort}/api/v1/query?query={Uri.EscapeDataString(expr)}"
            + (at is { } t && double.IsFinite(t) ? $"&time={t.ToString("R", CultureInfo.InvariantCulture)}" : string.Empty);
        using var document = JsonDocument.Parse(await _http.GetStringAsync(url, TestContext.Current.CancellationToken));
        return document.RootElement.GetProperty("data").GetProperty("result").EnumerateArray()
            .Select(r => (
                r.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!),
                double.Parse(r.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture)))
            .ToArray();
    }

    /// <summary>The value of a query that answers one series, or NaN when it answers none or several.</summary>
    public async Task<double> ScalarAsync(string expr, double? at = null) =>
        await QueryAsync(expr, at) is [var only] ? only.Value : double.NaN;

    public async ValueTask DisposeAsync()
    {
        foreach (var process in new[] { _prometheus, _silo })
        {
            if (process is not null)
            {
                await process.DisposeAsync();
            }
        }

        _http.Dispose();
        Directory.Delete(Folder, recursive: true);
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
