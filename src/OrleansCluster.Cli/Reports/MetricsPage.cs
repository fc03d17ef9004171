using System.Globalization;

namespace OrleansCluster.Cli.Reports;

/// <summary>
/// One scrape of a silo's <c>/metrics</c> (Prometheus text format), read for the few series a load test needs:
/// sample values summed over their label sets.
/// </summary>
public sealed class MetricsPage
{
    private readonly string _text;

    public MetricsPage(string text, double scrapeMilliseconds)
    {
        _text = text ?? throw new ArgumentNullException(nameof(text));
        ScrapeMilliseconds = scrapeMilliseconds;
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            if (!line.IsEmpty && line[0] != '#')
            {
                Samples++;
            }
        }
    }

    public double ScrapeMilliseconds { get; }

    /// <summary>Bytes of the page as served (UTF-8; the page is ASCII apart from label values).</summary>
    public long Bytes => System.Text.Encoding.UTF8.GetByteCount(_text);

    public long Samples { get; }

    /// <summary>Whether the page has a sample of a series whose name starts with <paramref name="prefix"/>.</summary>
    public bool HasSeries(string prefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        return _text.StartsWith(prefix, StringComparison.Ordinal) || _text.Contains($"\n{prefix}", StringComparison.Ordinal);
    }

    /// <summary>The sum of every sample of <paramref name="name"/> (over all its label sets); NaN when absent.</summary>
    public double Sum(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var total = double.NaN;
        foreach (var line in _text.AsSpan().EnumerateLines())
        {
            if (line.Length <= name.Length || !line.StartsWith(name, StringComparison.Ordinal) || line[name.Length] is not ('{' or ' '))
            {
                continue;
            }

            var value = line[(line.LastIndexOf(' ') + 1)..];
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            {
                total = double.IsNaN(total) ? v : total + v;
            }
        }

        return total;
    }

    public static async Task<MetricsPage> ScrapeAsync(HttpClient silo, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        var text = await silo.GetStringAsync("/metrics", cancellationToken);
        return new MetricsPage(text, System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }
}
