using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace OrleansCluster.Cli.Reports;

/// <summary>
/// Reports as JSON (stable camelCase field names) or as tables for a person on standard output, and as files:
/// <c>NAME.json</c>, <c>NAME.md</c> and, for a report with charts, <c>NAME.png</c> and any other picture its chart
/// draws beside it.
/// </summary>
public static class ReportWriter
{
    /// <summary>The width tables are laid out to when the output is not a terminal, unless the command says another.</summary>
    public const int RedirectedWidth = 240;

    /// <summary>Where <c>--report</c> without a folder writes, under the current folder (ignored by git).</summary>
    public const string DefaultFolder = "reports";

    /// <summary>The folder <c>--report</c> without a value writes into: one per command and time, under <see cref="DefaultFolder"/>.</summary>
    public static string DefaultPath(string command, DateTimeOffset now) =>
        Path.Combine(DefaultFolder, string.Create(CultureInfo.InvariantCulture, $"{command}-{now.UtcDateTime:yyyyMMdd-HHmmss}"));

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>
    /// Writes <paramref name="report"/> as JSON or as tables: on a terminal laid out to its width, into a file, a pipe
    /// or any other writer to <paramref name="redirectedWidth"/> columns.
    /// </summary>
    public static void Write(TextWriter output, ICommandReport report, string format, int redirectedWidth = RedirectedWidth)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(report);
        if (string.Equals(format, "json", StringComparison.OrdinalIgnoreCase))
        {
            output.WriteLine(ToJson(report));
            return;
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        if (!ReferenceEquals(output, Console.Out) || Console.IsOutputRedirected)
        {
            // Into a file or a pipe, tables keep their rows on one line rather than wrap at 80 columns (Spectre's own
            // width when there is no terminal to ask).
            console.Profile.Width = redirectedWidth;
        }

        foreach (var table in report.Tables())
        {
            console.Write(table.ToSpectre());
        }

        console.MarkupLine($"[{(report.Held() ? "green" : "red")}]{Markup.Escape(report.Summary())}[/]");
    }

    /// <summary>The report as JSON, by its own type's properties.</summary>
    public static string ToJson(ICommandReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return JsonSerializer.Serialize(report, report.GetType(), Json);
    }

    /// <summary>The report as a Markdown page: what ran against what, the verdict, the tables, and the chart if any.</summary>
    public static string ToMarkdown(string command, ICommandReport report, Uri target, DateTimeOffset finished, string? chart)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(target);
        var markdown = new StringBuilder();
        markdown.Append("# orleanscluster ").AppendLine(command).AppendLine();
        markdown.AppendLine(CultureInfo.InvariantCulture, $"Against {target} from a client on {Environment.ProcessorCount} core(s) ({System.Runtime.InteropServices.RuntimeInformation.OSDescription}), finished {finished.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC.").AppendLine();
        markdown.AppendLine(CultureInfo.InvariantCulture, $"**{(report.Held() ? "Held" : "Did not hold")}**: {report.Summary()}").AppendLine();
        foreach (var table in report.Tables())
        {
            table.WriteMarkdown(markdown);
        }

        if (chart is not null)
        {
            markdown.AppendLine(CultureInfo.InvariantCulture, $"![{command}]({chart})").AppendLine();
        }

        return markdown.ToString();
    }

    /// <summary>
    /// Writes <c>NAME.json</c> and <c>NAME.md</c> (and <c>NAME.png</c> through <paramref name="chart"/>, which answers
    /// every file it wrote: <c>NAME.png</c> first, then any beside it) into <paramref name="directory"/>, creating it;
    /// answers every path written.
    /// </summary>
    public static async Task<IReadOnlyList<string>> WriteFilesAsync(string directory, string command, ICommandReport report, Uri target, Func<string, IReadOnlyList<string>>? chart, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(directory);
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        string? png = null;
        if (chart is not null)
        {
            png = Path.Combine(directory, $"{command}.png");
            written.AddRange(chart(png));
        }

        var json = Path.Combine(directory, $"{command}.json");
        await File.WriteAllTextAsync(json, ToJson(report), cancellationToken);
        var md = Path.Combine(directory, $"{command}.md");
        await File.WriteAllTextAsync(md, ToMarkdown(command, report, target, DateTimeOffset.UtcNow, png is null ? null : Path.GetFileName(png)), cancellationToken);
        written.InsertRange(0, [json, md]);
        return written;
    }

    public static string F(double value, int decimals = 2) => value.ToString($"F{decimals}", CultureInfo.InvariantCulture);

    public static string N(double value, int decimals = 0) => value.ToString($"N{decimals}", CultureInfo.InvariantCulture);

    /// <summary>A share as a percentage with one decimal ("12.5 %").</summary>
    public static string P(double ratio) => ratio.ToString("P1", CultureInfo.InvariantCulture);
}
