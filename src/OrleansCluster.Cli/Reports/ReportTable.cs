using System.Text;
using Spectre.Console;

namespace OrleansCluster.Cli.Reports;

/// <summary>
/// A table of a report, written the same way to the terminal (Spectre.Console) and to Markdown; <paramref name="Note"/>,
/// where given, says what its columns count (under the table on the terminal, under the title in Markdown).
/// <paramref name="NoWrap"/> names the columns (by heading) whose cells a terminal too narrow for the table must never
/// fold, such as names: Spectre narrows the widest columns first, and a name folded mid-word ("drop-generati", "on:A100")
/// no longer reads as itself; the other columns give way, their headings wrapping at spaces.
/// </summary>
public sealed record ReportTable(string Title, IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<string>> Rows, string? Note = null, IReadOnlyList<string>? NoWrap = null)
{
    public Table ToSpectre()
    {
        var table = new Table().Title(Markup.Escape(Title)).AddColumns(Headers.Select(h => new TableColumn(Markup.Escape(h)) { NoWrap = NoWrap?.Contains(h) == true }).ToArray());
        if (Note is not null)
        {
            table.Caption(Markup.Escape(Note));
        }

        foreach (var row in Rows)
        {
            table.AddRow(row.Select(Markup.Escape).ToArray());
        }

        return table;
    }

    public void WriteMarkdown(StringBuilder markdown)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        markdown.Append("## ").AppendLine(Title).AppendLine();
        if (Note is not null)
        {
            markdown.AppendLine(Note).AppendLine();
        }

        Row(markdown, Headers);
        Row(markdown, Headers.Select(_ => "---").ToArray());
        foreach (var row in Rows)
        {
            Row(markdown, row);
        }

        markdown.AppendLine();
    }

    private static void Row(StringBuilder markdown, IReadOnlyList<string> cells) =>
        markdown.Append("| ").AppendJoin(" | ", cells.Select(c => c.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" "))).AppendLine(" |");
}

/// <summary>What every command's report offers besides its JSON form: tables, a one-line verdict, and whether its checks held.</summary>
public interface ICommandReport
{
    /// <summary>Whether the run's checks held (exit code 0) or not (1).</summary>
    bool Held();

    /// <summary>One or two sentences: the outcome a reader wants first.</summary>
    string Summary();

    IReadOnlyList<ReportTable> Tables();
}
