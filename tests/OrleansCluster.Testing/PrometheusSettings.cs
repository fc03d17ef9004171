using System.Text;

namespace OrleansCluster.Testing;

/// <summary>
/// How a test's Prometheus scrapes the silos and evaluates rules (Prometheus durations such as <c>1s</c>): its
/// <c>prometheus.yml</c> but for the addresses, which <see cref="Yaml"/> is given.
/// </summary>
public sealed record PrometheusSettings(string ScrapeInterval)
{
    /// <summary>The scrape job of the silos, as <c>deploy/prometheus.yml</c> names it.</summary>
    public const string SiloJob = "orleanscluster";

    /// <summary>How long a scrape may take; Prometheus' default when null.</summary>
    public string? ScrapeTimeout { get; init; }

    /// <summary>How often rules are evaluated; Prometheus' default (1 m) when null.</summary>
    public string? EvaluationInterval { get; init; }

    /// <summary>The rule file to evaluate; none when null.</summary>
    public string? RuleFile { get; init; }

    /// <summary>
    /// How often Prometheus also scrapes its own metrics (job <c>prometheus</c>), a target that is not the simulator;
    /// not at all when null.
    /// </summary>
    public string? SelfScrapeInterval { get; init; }

    /// <summary>The configuration of a Prometheus on 127.0.0.1:<paramref name="prometheusPort"/> scraping the silos on 127.0.0.1:<paramref name="siloPorts"/>.</summary>
    public string Yaml(int prometheusPort, IEnumerable<int> siloPorts)
    {
        var yaml = new StringBuilder();
        yaml.Append($"global:\n  scrape_interval: {ScrapeInterval}\n");
        if (ScrapeTimeout is not null)
        {
            yaml.Append($"  scrape_timeout: {ScrapeTimeout}\n");
        }

        if (EvaluationInterval is not null)
        {
            yaml.Append($"  evaluation_interval: {EvaluationInterval}\n");
        }

        if (RuleFile is not null)
        {
            yaml.Append($"rule_files: [\"{RuleFile}\"]\n");
        }

        yaml.Append($"scrape_configs:\n  - job_name: {SiloJob}\n    static_configs:\n      - targets: [{string.Join(", ", siloPorts.Select(p => $"\"127.0.0.1:{p}\""))}]\n");
        if (SelfScrapeInterval is not null)
        {
            yaml.Append($"  - job_name: prometheus\n    scrape_interval: {SelfScrapeInterval}\n    static_configs:\n      - targets: [\"127.0.0.1:{prometheusPort}\"]\n");
        }

        return yaml.ToString();
    }
}
