using OrleansCluster.Testing;

namespace OrleansCluster.Cli.Tests.Commands;

/// <summary>
/// A silo process in realtime at speed 20 (its own ports and cluster id) and a real Prometheus scraping it every
/// second and evaluating one rule file every second (or at the intervals given): what the alert tests score rules against.
/// </summary>
internal sealed class SiloUnderPrometheus : IAsyncDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("silo-prometheus").FullName;
    private ManagedProcess? _silo;
    private ManagedProcess? _prometheus;

    private SiloUnderPrometheus()
    {
    }

    /// <summary>The silo's HTTP port.</summary>
    public int SiloPort { get; } = ManagedProcess.FreePort();

    /// <summary>Prometheus's port.</summary>
    public int PrometheusPort { get; } = ManagedProcess.FreePort();

    /// <summary>
    /// Starts both: the silo with <paramref name="key"/> and <paramref name="settings"/>, then Prometheus over the rule
    /// file that <paramref name="rules"/> gives, given the folder to write one in, scraping the silo every
    /// <paramref name="scrapeInterval"/> and evaluating every <paramref name="evaluationInterval"/> (Prometheus durations);
    /// with <paramref name="selfScrapeInterval"/>, Prometheus also scrapes its own metrics that often (job
    /// <c>prometheus</c>), a target that is not the simulator. Whatever started is stopped if the rest fails.
    /// </summary>
    public static async Task<SiloUnderPrometheus> StartAsync(string key, IEnumerable<string> settings, Func<string, Task<string>> rules, CancellationToken cancellationToken, string scrapeInterval = "1s", string evaluationInterval = "1s", string? selfScrapeInterval = null)
    {
        var started = new SiloUnderPrometheus();
        try
        {
            started._silo = ManagedProcess.StartSilo(started.SiloPort, [
                $"--Admin:ApiKey={key}", "--Simulation:Pace=realtime", "--Simulation:Speed=20",
                $"--Orleans:SiloPort={ManagedProcess.FreePort()}", $"--Orleans:GatewayPort={ManagedProcess.FreePort()}", $"--Orleans:ClusterId=prom-{Guid.NewGuid():N}",
                .. settings]);
            await started._silo.WaitUntilAnsweringAsync($"http://127.0.0.1:{started.SiloPort}/healthz");
            var ruleFile = await rules(started._data);
            var self = selfScrapeInterval is null ? string.Empty : $"""

                  - job_name: prometheus
                    scrape_interval: {selfScrapeInterval}
                    static_configs:
                      - targets: ["127.0.0.1:{started.PrometheusPort}"]
                """;
            started._prometheus = await ManagedProcess.StartPrometheusAsync(started._data, started.PrometheusPort, $"""
                global:
                  scrape_interval: {scrapeInterval}
                  evaluation_interval: {evaluationInterval}
                rule_files: ["{ruleFile}"]
                scrape_configs:
                  - job_name: orleanscluster
                    static_configs:
                      - targets: ["127.0.0.1:{started.SiloPort}"]{self}
                """, cancellationToken);
            return started;
        }
        catch
        {
            await started.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Once only, whoever calls it first.
        foreach (var process in new[] { Interlocked.Exchange(ref _prometheus, null), Interlocked.Exchange(ref _silo, null) })
        {
            if (process is not null)
            {
                await process.DisposeAsync();
            }
        }

        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }
}
