using System.Globalization;
using System.Net;
using System.Text.Json;
using OrleansCluster.Silo.Tests.Api;

namespace OrleansCluster.Silo.Tests.Page;

/// <summary>
/// The live page shows what a crash costs, as <c>/api/cluster</c> and <c>/api/stragglers</c> have it: each site's nodes
/// healthy, degraded and down by generation, the nodes down and evicted, the steps lost and ETTR, and the stragglers'
/// share with what it is a share of. Found by a newcomer's probe: after a crash a site block still read "160 nodes"
/// where /api/cluster had H100 at 143 healthy and 1 down, its stragglers read "16 (10.1 %)", 16 of the 159 nodes at the
/// barrier with nothing saying so, and the page showed steps ok / failed but never the steps lost, ETTR or nodes down.
/// </summary>
public sealed class LivePageNodeHealthTests(KestrelSiloFixture fixture) : IClassFixture<KestrelSiloFixture>, IDisposable
{
    // An H100 of west (its A100s, west-00144 on, are the stragglers of `small`).
    private const string Crash = """{"kind":"node.crash","target":{"node":"west-00003"}}""";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    // What the page shows of the nodes and the reliability figures, one line each.
    private const string Shown = """
        const text = e => e ? e.textContent.trim() : '(not on the page)';
        return [
          ...[...document.querySelectorAll('#nodes tbody tr')].map(tr => 'row ' + [...tr.cells].map(text).join(' | ')),
          ...[...document.querySelectorAll('#sites [data-site]')].flatMap(g => [...g.querySelectorAll('text')].slice(1)
            .map(t => `site ${g.dataset.site}: ${text(t)}`).filter(t => / healthy,|^site \S+: stragglers /.test(t))),
          'steps lost ' + text(document.getElementById('steps-lost')),
          'ETTR ' + text(document.getElementById('ettr')),
          'nodes down / evicted ' + text(document.getElementById('nodes-down')),
        ];
        """;

    private readonly PageBrowser _page = new(fixture.Factory);
    private readonly HttpClient _admin = fixture.Factory.CreateAdminClient();

    [Fact]
    public async Task AfterACrashThePageShowsTheSitesNodesDownLostStepsAndEttrAsTheApiHasThem()
    {
        var (status, body, _) = await _admin.PostJsonAsync("/api/faults", Crash);
        Assert.True(status == HttpStatusCode.Created, body.ToString());
        // Evicted, and stepping again past the failed step, so that ETTR is above 0.
        await _admin.WaitForClusterAsync(
            c => c.GetProperty("job") is var job && job.GetProperty("evictedNodes").GetInt32() >= 1 && Down(c, "west") >= 1
                 && job.GetProperty("lostSteps").GetInt64() >= 1 && job.GetProperty("reliability").GetProperty("ettr").GetDouble() > 0,
            "west-00003 evicted, steps lost and ETTR above 0");
        // Paused, the figures hold still while the page and this test read them.
        Assert.Equal("paused", (await _admin.PostJsonAsync("/api/job/pause")).Body.GetProperty("state").GetString());

        _page.OpenWithKey();
        string[] expected = [], shown = [];
        var deadline = DateTime.UtcNow + Deadline;
        do
        {
            var cluster = await _admin.GetJsonAsync("/api/cluster");
            var report = await _admin.GetJsonAsync("/api/stragglers?top=10");
            expected = Expected(cluster, report);
            shown = ((IEnumerable<object>)_page.Script(Shown)!).Cast<string>().ToArray();
            if (expected.SequenceEqual(shown))
            {
                break;
            }

            await Task.Delay(200, AdminClient.Ct);
        }
        while (DateTime.UtcNow < deadline);

        Directory.CreateDirectory(LivePageBrowserTests.ArtifactsDirectory);
        _page.Driver.GetScreenshot().SaveAsFile(Path.Combine(LivePageBrowserTests.ArtifactsDirectory, "live-page-node-health.png"));
        File.WriteAllLines(Path.Combine(LivePageBrowserTests.ArtifactsDirectory, "live-page-node-health.txt"), shown);
        Assert.Equal(string.Join(Environment.NewLine, expected), string.Join(Environment.NewLine, shown));
        Assert.Contains(shown, line => line.StartsWith("row west | ", StringComparison.Ordinal) && !line.EndsWith(" | 0", StringComparison.Ordinal));
        Assert.Contains(shown, line => line.StartsWith("site west: ", StringComparison.Ordinal) && line.Contains(" 1 down", StringComparison.Ordinal));
    }

    public void Dispose()
    {
        _admin.Dispose();
        _page.Dispose();
    }

    // The lines the page should show for these answers of /api/cluster and /api/stragglers.
    private static string[] Expected(JsonElement cluster, JsonElement report)
    {
        static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
        static string Percent(double r) => (100 * r).ToString("F1", CultureInfo.InvariantCulture) + " %";
        static (long Healthy, long Degraded, long Down) Counts(JsonElement g) =>
            (g.GetProperty("healthy").GetInt64(), g.GetProperty("degraded").GetInt64(), g.GetProperty("down").GetInt64());

        var rows = new List<string>();
        var blocks = new List<string>();
        var bySite = report.GetProperty("bySite").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!);
        foreach (var site in cluster.GetProperty("sites").EnumerateArray())
        {
            var name = site.GetProperty("name").GetString()!;
            var generations = site.GetProperty("generations").EnumerateArray().Select(g => (Name: g.GetProperty("generation").GetString()!, Counts: Counts(g))).ToArray();
            var healthy = generations.Sum(g => g.Counts.Healthy);
            var degraded = generations.Sum(g => g.Counts.Degraded);
            var down = generations.Sum(g => g.Counts.Down);
            if (generations.Length > 1)
            {
                rows.Add($"row {name} | all | {N(site.GetProperty("nodes").GetInt64())} | {N(healthy)} | {N(degraded)} | {N(down)}");
            }

            rows.AddRange(generations.Select(g => $"row {name} | {g.Name} | {N(g.Counts.Healthy + g.Counts.Degraded + g.Counts.Down)} | {N(g.Counts.Healthy)} | {N(g.Counts.Degraded)} | {N(g.Counts.Down)}"));
            blocks.Add($"site {name}: {N(healthy)} healthy, {N(degraded)} degraded, {N(down)} down");
            var stats = bySite[name];
            long stragglers = stats.GetProperty("stragglers").GetInt64(), atBarrier = stats.GetProperty("nodes").GetInt64();
            blocks.Add($"site {name}: stragglers {N(stragglers)} of {N(atBarrier)} at the barrier ({Percent(atBarrier > 0 ? (double)stragglers / atBarrier : 0)})");
        }

        var job = cluster.GetProperty("job");
        var downAll = cluster.GetProperty("sites").EnumerateArray().SelectMany(s => s.GetProperty("generations").EnumerateArray()).Sum(g => g.GetProperty("down").GetInt64());
        return
        [
            .. rows,
            .. blocks,
            $"steps lost {N(job.GetProperty("lostSteps").GetInt64())}",
            $"ETTR {Percent(job.GetProperty("reliability").GetProperty("ettr").GetDouble())}",
            $"nodes down / evicted {N(downAll)} / {N(job.GetProperty("evictedNodes").GetInt64())}",
        ];
    }

    private static long Down(JsonElement cluster, string site) =>
        cluster.GetProperty("sites").EnumerateArray().Where(s => s.GetProperty("name").GetString() == site)
            .SelectMany(s => s.GetProperty("generations").EnumerateArray()).Sum(g => g.GetProperty("down").GetInt64());
}
