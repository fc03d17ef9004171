using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace OrleansCluster.Cli.Reports;

/// <summary>Reports as JSON (stable camelCase field names) or as tables for a person.</summary>
public static class ReportWriter
{
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static void Write<T>(TextWriter output, T report, string format, Action<IAnsiConsole, T> table)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(table);
        if (string.Equals(format, "json", StringComparison.OrdinalIgnoreCase))
        {
            output.WriteLine(JsonSerializer.Serialize(report, Json));
            return;
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        table(console, report);
    }

    public static Table Latencies(IEnumerable<(string Name, Latency Latency, string Errors)> rows)
    {
        var table = new Table().AddColumns("call", "count", "p50 ms", "p99 ms", "max ms", "errors");
        foreach (var (name, latency, errors) in rows)
        {
            table.AddRow(name, latency.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), F(latency.P50Milliseconds), F(latency.P99Milliseconds), F(latency.MaxMilliseconds), errors.Length == 0 ? "-" : errors);
        }

        return table;
    }

    public static string F(double value) => value.ToString("F2", System.Globalization.CultureInfo.InvariantCulture);
}
