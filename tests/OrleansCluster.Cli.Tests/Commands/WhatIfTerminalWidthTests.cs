using OrleansCluster.Cli.Commands;

namespace OrleansCluster.Cli.Tests.Commands;

/// <summary>
/// <c>orleanscluster whatif</c>'s tables, as the built command prints them for <see cref="WhatIfCommandTests.Mixed"/>,
/// fit the width they are printed to, with every variant's row on one line. Found by a newcomer: one table of 16 columns
/// about 230 wide, printed as lines of 240 into a file or a pipe, and folded by Spectre on a terminal of 80 to 120
/// columns into columns of a few letters ("drop-generati" over "on:A100", "0.22" over "8").
/// </summary>
public sealed class WhatIfTerminalWidthTests(WhatIfSiloFixture silo) : IClassFixture<WhatIfSiloFixture>
{
    // `standard` on Mixed: every variant evaluated and priced.
    private static readonly string[] Variants =
        ["baseline", "drop-site:a", "drop-site:b", "drop-generation:H100", "drop-generation:A100", "drop-generation:GB200", "heal-links", "balance:proportional", "inter-site-every:8"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, string> Key => new() { ["ORLEANSCLUSTER_KEY"] = CliSiloFixture.Key };

    [Fact]
    public async Task IntoAFileOrAPipeEveryLineFitsTheFallbackWidthAndNoCellOrHeadingWraps()
    {
        await LoadMixedAsync();

        var (exit, output, error) = await CliProcess.RunAsync(null, Key, "whatif", "--url", silo.Url, "--variants", "standard", "--steps", "3");

        Assert.True(exit == 0, $"exit {exit}: {error}{output}");
        AssertFits(output, WhatIf.RedirectedWidth);
        Assert.All(Tables(output), t => Assert.True(t.HeadingLines == 1, $"'{t.Heading[0]}...' wraps its headings over {t.HeadingLines} lines at {WhatIf.RedirectedWidth} columns"));
    }

    [Theory]
    [InlineData(80)]
    [InlineData(100)]
    public async Task OnATerminalEveryLineFitsItsWidthAndEveryVariantsRowStaysOneLine(int columns)
    {
        await LoadMixedAsync();

        var (exit, screen) = await CliProcess.RunInTerminalAsync(columns, Key, "whatif", "--url", silo.Url, "--variants", "standard", "--steps", "3");

        Assert.True(exit == 0, $"exit {exit}: {screen}");
        AssertFits(screen, columns);
    }

    // Every line within the width; every table's rows each one variant's, named whole, each variant in each table: no
    // cell folded onto a second line (a folded name or figure leaves a line whose variant cell is empty or a fragment).
    private static void AssertFits(string text, int width)
    {
        var lines = text.Split('\n');
        var wide = lines.Where(l => l.Length > width).ToArray();
        Assert.True(wide.Length == 0, $"{wide.Length} line(s) wider than {width}, as:{Environment.NewLine}{wide.FirstOrDefault()}{Environment.NewLine}{text}");
        var tables = Tables(text);
        Assert.True(tables.Count >= 6, $"ranking, step time, all-reduce, GPUs, cost and lease: {tables.Count} table(s){Environment.NewLine}{text}");
        foreach (var table in tables)
        {
            var variant = Array.IndexOf(table.Heading, "variant");
            Assert.True(variant >= 0, $"a table without a variant column: {string.Join(" | ", table.Heading)}");
            Assert.Equal(Variants.Order(StringComparer.Ordinal), table.Rows.Select(r => r[variant]).Order(StringComparer.Ordinal));
            Assert.All(table.Rows, r => Assert.DoesNotContain(string.Empty, r));
        }

        Assert.Contains("what-if on mixed: 9 variants x 3 steps", text, StringComparison.Ordinal);
    }

    // The tables drawn with Spectre's square border: a top rule (┌), the headings' lines, a rule (├), the rows, a foot (└).
    private static List<(string[] Heading, int HeadingLines, List<string[]> Rows)> Tables(string text)
    {
        var tables = new List<(string[], int, List<string[]>)>();
        string[]? heading = null;
        var headingLines = 0;
        List<string[]>? rows = null;
        foreach (var line in text.Split('\n').Select(l => l.Trim()))
        {
            if (line.StartsWith('┌'))
            {
                (heading, headingLines, rows) = (null, 0, null);
            }
            else if (line.StartsWith('├'))
            {
                rows = [];
            }
            else if (line.StartsWith('└') && heading is not null && rows is not null)
            {
                tables.Add((heading, headingLines, rows));
            }
            else if (line.StartsWith('│'))
            {
                var cells = line.Trim('│').Split('│').Select(c => c.Trim()).ToArray();
                if (rows is not null)
                {
                    rows.Add(cells);
                }
                else
                {
                    heading ??= cells;
                    headingLines++;
                }
            }
        }

        return tables;
    }

    private async Task LoadMixedAsync()
    {
        using var client = silo.CreateTargetClient();
        using var load = await client.PutAsync("/api/scenario", new StringContent(WhatIfCommandTests.Mixed, System.Text.Encoding.UTF8, "application/json"), Ct);
        Assert.True(load.IsSuccessStatusCode, await load.Content.ReadAsStringAsync(Ct));
    }
}
