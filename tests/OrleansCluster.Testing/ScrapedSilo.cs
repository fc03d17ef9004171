using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace OrleansCluster.Testing;

/// <summary>
/// A silo process on free loopback ports scraped by a real Prometheus, for the tests that check what dashboards and
/// alert rules read: starts both, answers instant queries, and stops both and deletes Prometheus' data when disposed
/// (once, whoever calls first; whatever started is stopped too when the start fails part way).
/// <see cref="Folder"/> exists from construction, for files the silo or Prometheus is started with.
/// </summary>
public sealed class ScrapedSilo(string name, string key) : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(180);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private ManagedProcess? _silo;
    private ManagedProcess? _prometheus;
    private int _disposed;

    public int SiloPort { get; } = ManagedProcess.FreePort();

    public int PrometheusPort { get; } = ManagedProcess.FreePort();

    /// <summary>A folder of this instance's own: Prometheus' configuration and data, and whatever the test puts there.</summary>
    public string Folder { get; } = Directory.CreateTempSubdirectory($"prometheus-{name}").FullName;

    public string SiloUrl => $"http://127.0.0.1:{SiloPort}";

    public string PrometheusUrl => $"http://127.0.0.1:{PrometheusPort}";

    /// <summary>What the silo process has printed so far.</summary>
    public string SiloOutput => _silo?.Output ?? string.Empty;

    /// <summary>
    /// Starts the silo with its admin key, free Orleans ports, its own cluster id and <paramref name="siloArguments"/>,
    /// waits until it answers, then starts Prometheus scraping it as <paramref name="prometheus"/> says.
    /// </summary>
    public async Task StartAsync(IReadOnlyList<string> siloArguments, PrometheusSettings prometheus)
    {
        ArgumentNullException.ThrowIfNull(siloArguments);
        ArgumentNullException.ThrowIfNull(prometheus);
        try
        {
            _silo = ManagedProcess.StartSilo(SiloPort,
            [
                "--Admin:ApiKey", key,
                "--Orleans:SiloPort", Port(ManagedProcess.FreePort()), "--Orleans:GatewayPort", Port(ManagedProcess.FreePort()),
                "--Orleans:ClusterId", $"{name}-{Guid.NewGuid():N}",
                .. siloArguments,
            ]);
            await _silo.WaitUntilAnsweringAsync($"{SiloUrl}/healthz");
            _prometheus = await ManagedProcess.StartPrometheusAsync(Folder, PrometheusPort, prometheus.Yaml(PrometheusPort, [SiloPort]), TestContext.Current.CancellationToken);
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>Writes <paramref name="text"/> to a file of <see cref="Folder"/> and answers its path.</summary>
    public async Task<string> WriteFileAsync(string fileName, string text)
    {
        var path = Path.Combine(Folder, fileName);
        await File.WriteAllTextAsync(path, text, TestContext.Current.CancellationToken);
        return path;
    }

    /// <summary>A client of the silo's API that sends the admin key; the caller disposes it.</summary>
    public HttpClient CreateAdminClient()
    {
        var client = new HttpClient { BaseAddress = new Uri(SiloUrl), Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    /// <summary>A client of Prometheus' HTTP API; the caller disposes it.</summary>
    public HttpClient CreatePrometheusClient() => new() { BaseAddress = new Uri(PrometheusUrl), Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>An instant query's series with their labels, at <paramref name="at"/> (Unix seconds) or now.</summary>
    public async Task<IReadOnlyList<(Dictionary<string, string> Labels, double Value)>> QueryAsync(string expr, double? at = null)
    {
        var url = $"{PrometheusUrl}/api/v1/query?query={Uri.EscapeDataString(expr)}"
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

    /// <summary>
    /// Asks <paramref name="expr"/> every half second until its series are what <paramref name="done"/> wants (by
    /// default, any at all), and answers them; fails with <paramref name="failure"/>, the last scrape's duration and
    /// the silo's output after three minutes.
    /// </summary>
    public async Task<IReadOnlyList<(Dictionary<string, string> Labels, double Value)>> WaitForAsync(
        string expr, string failure, Func<IReadOnlyList<(Dictionary<string, string> Labels, double Value)>, bool>? done = null)
    {
        done ??= series => series.Count > 0;
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            var series = await QueryAsync(expr);
            if (done(series))
            {
                return series;
            }

            if (DateTime.UtcNow >= deadline)
            {
                var scrape = await QueryAsync("scrape_duration_seconds");
                Assert.Fail($"{failure}: {expr} answered {series.Count} series; the last scrape took {(scrape.Count > 0 ? scrape[0].Value : double.NaN)} s\n{SiloOutput}");
            }

            await Task.Delay(500, TestContext.Current.CancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

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
