using System.Buffers.Binary;
using System.Text.Json;
using OrleansCluster.Cli.Commands;
using OrleansCluster.Cli.Reports;
using SkiaSharp;

namespace OrleansCluster.Cli.Tests.Reports;

/// <summary>The report files: JSON with stable names, Markdown with the tables, and a chart that is drawn.</summary>
public sealed class ReportFileTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"orleanscluster-report-{Guid.NewGuid():N}");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task ARampWritesJsonMarkdownAndAChart()
    {
        var report = TwoSiloRamp();

        var written = await ReportWriter.WriteFilesAsync(_folder, "ramp", report, new Uri("http://127.0.0.1:8080"), path => RampChart.SavePng(report, path), Ct);

        Assert.Equal(["ramp.json", "ramp.md", "ramp.png"], written.Select(Path.GetFileName));

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_folder, "ramp.json"), Ct));
        Assert.Equal(["floorStepsPerSecond", "silos", "stages", "largestHeld", "stoppedAt", "restored"], json.RootElement.EnumerateObject().Select(p => p.Name));
        var stage = json.RootElement.GetProperty("stages")[1];
        Assert.Equal(
            ["scenario", "nodes", "loadSeconds", "stepsPerSecond", "stepWallP50Milliseconds", "stepWallP99Milliseconds", "stepWallSamples", "grainCallsPerSecond", "scrapeMilliseconds", "scrapeBytes", "workingSetMiB", "cpuCoresBusy", "cpuCount", "machine", "silos", "heldFloor", "limit"],
            stage.EnumerateObject().Select(p => p.Name));
        Assert.Equal(1616, stage.GetProperty("stepsPerSecond").GetDouble());
        Assert.Equal(2, stage.GetProperty("silos").GetArrayLength());

        var markdown = await File.ReadAllLinesAsync(Path.Combine(_folder, "ramp.md"), Ct);
        Assert.Equal("# orleanscluster ramp", markdown[0]);
        Assert.Contains(markdown, l => l.StartsWith("**Did not hold**: largest size at or above 1.00 steps/s on 2 silo(s): ramp-5000; stopped at ramp-25000: below the floor; restored small at realtime x1.00, running (from step 1)", StringComparison.Ordinal));
        Assert.Contains("| ramp-1000 | 1,000 | 0.80 | 6,907.00 | 0.10 | 0.40 | 4,000 | 12.00 | 94 | 600 | 1.90 / 4 | 0.50 / 2 | 0.25 | held | CPU: 1.90 of 4 cores busy \\| hot |", markdown);
        Assert.Equal(3, markdown.Count(l => l.StartsWith("| ramp-", StringComparison.Ordinal) && l.Contains("cores busy", StringComparison.Ordinal)));
        Assert.Equal(6, markdown.Count(l => l.StartsWith("| ramp-", StringComparison.Ordinal) && l.Contains("| http://127.0.0.", StringComparison.Ordinal)));
        Assert.Equal("![ramp](ramp.png)", markdown.Last(l => l.Length > 0));

        var png = await File.ReadAllBytesAsync(Path.Combine(_folder, "ramp.png"), Ct);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        Assert.Equal(RampChart.Width, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4)));
        Assert.Equal(RampChart.Height, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4)));
        using var bitmap = SKBitmap.Decode(png);
        var colours = new HashSet<SKColor>();
        for (var y = 0; y < bitmap.Height; y += 3)
        {
            for (var x = 0; x < bitmap.Width; x += 3)
            {
                colours.Add(bitmap.GetPixel(x, y));
            }
        }

        Assert.True(colours.Count > 20, $"{colours.Count} colours: the chart looks blank");
    }

    [Fact]
    public void EveryFigureOfARampPageHasOneFormatPerKind()
    {
        var markdown = ReportWriter.ToMarkdown("ramp", TwoSiloRamp(), new Uri("http://127.0.0.1:8080"), DateTimeOffset.UnixEpoch, null);

        var rows = markdown.Split('\n').Where(l => l.StartsWith("| ramp-", StringComparison.Ordinal) && l.Contains("held", StringComparison.Ordinal) || l.StartsWith("| ramp-", StringComparison.Ordinal) && l.Contains("missed", StringComparison.Ordinal))
            .Select(l => l.Split(" | ")).ToArray();
        Assert.Equal(3, rows.Length);
        Assert.All(rows, cells =>
        {
            // nodes, KiB, MiB, grain calls/s: whole numbers with separators; seconds, steps/s, ms: two decimals.
            Assert.All(new[] { cells[1], cells[6], cells[8], cells[9] }, c => Assert.Matches(@"^\d{1,3}(,\d{3})*$", c));
            Assert.All(new[] { cells[2], cells[3], cells[4], cells[5], cells[7], cells[12] }, c => Assert.Matches(@"^\d{1,3}(,\d{3})*\.\d{2}$", c));
            Assert.All(new[] { cells[10], cells[11] }, c => Assert.Matches(@"^\d+\.\d{2} / \d+$", c));
        });
        Assert.Contains("| ramp-5000 | http://127.0.0.1:8080/ | 14.00 | 50 | 300 | 400 | 0.95 / 2 | 1.0 % |", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AReportWithoutAChartWritesNoPicture()
    {
        var report = new ApiLoad.Report(2, 1.5, 12, [new ApiLoad.OperationReport("inject", new Latency(6, 1.5, 9.25, 10), new Dictionary<string, int> { ["429"] = 2 })], 6, 6, 0, true);

        var written = await ReportWriter.WriteFilesAsync(_folder, "api", report, new Uri("http://127.0.0.1:8080"), null, Ct);

        Assert.Equal(["api.json", "api.md"], written.Select(Path.GetFileName));
        var markdown = await File.ReadAllTextAsync(Path.Combine(_folder, "api.md"), Ct);
        Assert.Contains("| inject | 6 | 1.50 | 9.25 | 10.00 | 429: 2 |", markdown, StringComparison.Ordinal);
        Assert.Contains("**Held**: 2 callers", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("![", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void TheTerminalTableHasTheSameRowsAndTheVerdict()
    {
        using var output = new StringWriter();

        ReportWriter.Write(output, TwoSiloRamp(), "table");

        var text = output.ToString();
        Assert.Contains("ramp-25000", text, StringComparison.Ordinal);
        Assert.Contains("steps/s", text, StringComparison.Ordinal);
        Assert.Contains("largest size at or above 1.00 steps/s on 2 silo(s): ramp-5000", text, StringComparison.Ordinal);
    }

    private static Ramp.Report TwoSiloRamp()
    {
        static Ramp.Stage Stage(string name, int nodes, double rate, double scrapeMs, long kib, double mib, bool held, string limit) =>
            new(name, nodes, 0.8, rate, 0.1, 0.4, 100, 4000, scrapeMs, kib * 1024, mib, 1.9, 4, new Ramp.MachineFigures(2, 0.5, 0.25),
                [new Ramp.SiloFigures("http://127.0.0.1:8080/", scrapeMs, kib * 512, 300, mib / 2, 0.95, 2, 0.01), new Ramp.SiloFigures("http://127.0.0.2:8081/", scrapeMs / 2, kib * 512, 300, mib / 2, 0.95, 2, 0.01)],
                held, limit);
        return new Ramp.Report(
            1,
            2,
            [
                Stage("ramp-1000", 1_000, 6907, 12, 94, 600, true, "CPU: 1.90 of 4 cores busy | hot"),
                Stage("ramp-5000", 5_000, 1616, 14, 100, 800, true, "CPU: 1.90 of 4 cores busy"),
                Stage("ramp-25000", 25_000, 289.5, 20, 110, 1200, false, "CPU: 1.90 of 4 cores busy"),
            ],
            "ramp-5000",
            "ramp-25000: below the floor",
            "restored small at realtime x1.00, running (from step 1)");
    }
}
