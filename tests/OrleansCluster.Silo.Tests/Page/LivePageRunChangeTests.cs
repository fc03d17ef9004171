using System.Globalization;
using System.Net;
using System.Text.Json;
using OrleansCluster.Silo.Tests.Api;

namespace OrleansCluster.Silo.Tests.Page;

/// <summary>
/// The live page's step chart across runs, in a real browser on a real silo (as <see cref="LivePageBrowserTests"/>).
/// Where an API reports a step's breakdown on <c>/api/cluster</c>'s <c>lastStep</c> only, the page keeps the
/// breakdowns it has seen; it kept them by step number alone, so after a scenario switch (steps numbered from 1
/// again) a bar of the new run was drawn with the old run's breakdown of the same number. Found by review.
/// </summary>
public sealed class LivePageRunChangeTests(KestrelSiloFixture fixture) : IClassFixture<KestrelSiloFixture>, IDisposable
{
    // The recent steps as an API that reports the breakdown on lastStep only answers them: without their breakdowns.
    private const string StepsWithoutBreakdowns = """
        const fetchAll = window.fetch.bind(window);
        window.fetch = async (path, init) => {
          const response = await fetchAll(path, init);
          if (!String(path).startsWith('/api/job/steps') || !response.ok) return response;
          const steps = await response.json();
          for (const step of steps) delete step.breakdown;
          return new Response(JSON.stringify(steps), { status: response.status, headers: response.headers });
        };
        """;

    // Each stacked bar's step number and compute part as drawn ("step 7 compute: 1.012 s").
    private const string DrawnComputeParts = """
        return [...document.querySelectorAll('#steps rect title')].map(t => t.textContent)
          .map(t => /^step (\d+) compute: (.+)$/.exec(t)).filter(Boolean).map(m => m[1] + '=' + m[2]);
        """;

    private readonly PageBrowser _page = new(fixture.Factory);
    private readonly HttpClient _admin = fixture.Factory.CreateAdminClient();

    [Fact]
    public async Task AfterAScenarioSwitchNoBarIsDrawnWithTheOldRunsBreakdown()
    {
        // A slow pace (small about 0.7 s a step, uniform about 0.2 s), and small again from step 1, so that uniform's
        // steps soon take the numbers small's had.
        await Send(HttpMethod.Put, "/api/job/pace", """{"mode":"realtime","speed":5}""");
        await Send(HttpMethod.Post, "/api/job/stop");
        await Send(HttpMethod.Post, "/api/job/start");

        _page.Driver.Navigate().GoToUrl(_page.BaseAddress);
        _page.Script(StepsWithoutBreakdowns);
        _page.Script($"sessionStorage.setItem('orleanscluster.adminKey', '{SiloFactory.AdminKey}')");

        // small's bars stacked from lastStep, one a poll.
        var old = (IReadOnlyList<string>)_page.WaitFor(() => _page.Text("#scenario") == "small" && Drawn() is { Count: >= 3 } d ? d : null, "three of small's steps drawn with a breakdown");

        // small paused (its chart ends at its last step), then uniform loaded (and started): a chart past that step is
        // uniform's, and holds every step number small's bars had.
        await Send(HttpMethod.Post, "/api/job/pause");
        var paused = await _admin.WaitForClusterAsync(c => string.Equals(c.GetProperty("job").GetProperty("state").GetString(), "paused", StringComparison.OrdinalIgnoreCase), "small paused");
        var lastOld = paused.GetProperty("job").GetProperty("step").GetInt64();
        Assert.True(old.Max(Number) <= lastOld, $"{string.Join(", ", old)} drawn, paused at {lastOld}");
        await Send(HttpMethod.Put, "/api/scenario", """{"preset":"uniform"}""");
        _page.WaitFor(() => _page.Text("#scenario") == "uniform" && LastDrawnStep() > lastOld, $"uniform's steps drawn past step {lastOld}");
        var drawn = Drawn();

        // What uniform's steps are, read with their breakdowns; a step is not run again without a failure.
        var steps = await _admin.GetJsonAsync("/api/job/steps?count=100");
        var truth = steps.EnumerateArray().Where(s => s.TryGetProperty("breakdown", out var b) && b.ValueKind == JsonValueKind.Object)
            .ToDictionary(s => s.GetProperty("number").GetInt64(), s => (string)_page.Script("return seconds(arguments[0])", s.GetProperty("breakdown").GetProperty("computeSeconds").GetDouble())!);
        var wrong = drawn.Where(d => truth.TryGetValue(Number(d), out var compute) && d != $"{Number(d)}={compute}").ToArray();
        Assert.True(wrong.Length == 0, $"uniform's bars drawn with another breakdown: {string.Join(", ", wrong)} (uniform's: {string.Join(", ", drawn.Select(d => $"{Number(d)}={truth.GetValueOrDefault(Number(d))}"))}; small's: {string.Join(", ", old)})");
        Assert.Contains(drawn, d => truth.ContainsKey(Number(d))); // the chart was checked against something
    }

    public void Dispose()
    {
        _page.Dispose();
        _admin.Dispose();
    }

    private static long Number(string drawn) => long.Parse(drawn[..drawn.IndexOf('=', StringComparison.Ordinal)], CultureInfo.InvariantCulture);

    private async Task Send(HttpMethod method, string path, string? json = null)
    {
        var (status, body, _) = await _admin.SendJsonAsync(method, path, json);
        Assert.True(status == HttpStatusCode.OK, $"{method} {path}: {(int)status} {body}");
    }

    private List<string> Drawn() => [.. ((IEnumerable<object>)_page.Script(DrawnComputeParts)!).Cast<string>()];

    private long LastDrawnStep()
    {
        var labels = (IEnumerable<object>)_page.Script("return [...document.querySelectorAll('#steps text.dim')].map(t => t.textContent).filter(t => t.startsWith('step '))")!;
        return labels.Cast<string>().Select(l => long.Parse(l[5..], CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max();
    }
}
