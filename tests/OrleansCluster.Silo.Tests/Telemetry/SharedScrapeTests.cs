using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Silo.Telemetry;
using OrleansCluster.Silo.Tests.Api;

namespace OrleansCluster.Silo.Tests.Telemetry;

/// <summary>
/// <c>/metrics</c> renders one page at a time, shared by the scrapes that asked for it before it began. A rendering is
/// held in flight without timing: dcgm mode reads the job's layout last, after the simulation's series are written, and
/// a grain call filter holds that read until the test lets it go. The endpoint's meter
/// (<see cref="MetricsEndpoint.MeterName"/>) says when a scrape waits and how many pages were rendered and shared.
/// </summary>
public sealed partial class SharedScrapeTests : IAsyncLifetime
{
    private const string Loaded = "after-load";

    private readonly HeldLayoutRead _held = new();
    private readonly SiloFactory _factory;
    private ScrapeCounts _counts = null!;
    private HttpClient _client = null!;

    public SharedScrapeTests() => _factory = new SiloFactory
    {
        Pace = "max",
        Settings = new Dictionary<string, string> { ["Telemetry:Dcgm"] = "true" },
        ExtraServices = services => services.AddSingleton<IOutgoingGrainCallFilter>(_held),
    };

    public async ValueTask InitializeAsync()
    {
        _client = _factory.CreateAdminClient();
        _counts = new ScrapeCounts(_factory.Services.GetRequiredService<IMeterFactory>());
        await _client.WaitForClusterAsync(c => c.Step() >= 2, "a few steps");
        await MetricsPage.WaitForAsync(_client, p => p.Contains("DCGM_FI_DEV_GPU_UTIL{", StringComparison.Ordinal), "a dcgm page", l => l.StartsWith("# TYPE", StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        _held.Release();
        _counts.Dispose();
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task ConcurrentScrapesAllGetCompletePagesOfOneShapeFromTwoRenderings()
    {
        const int Later = 5;
        var (rendered, shared) = (_counts.Rendered, _counts.Shared);

        // One scrape renders and is held at its last read; five more ask meanwhile and wait for the page after it.
        _held.Arm();
        var first = ScrapeAsync();
        await _held.TakenAsync();
        var later = Enumerable.Range(0, Later).Select(_ => ScrapeAsync()).ToArray();
        await _counts.WaitForAsync(() => _counts.Waiting == Later, $"{Later} scrapes waiting");
        _held.Release();
        var pages = await Task.WhenAll([first, .. later]);

        Assert.All(pages, AssertComplete);
        var shape = Shape(pages[0]);
        Assert.All(pages, p => Assert.Equal(shape, Shape(p)));
        Assert.Equal(2, _counts.Rendered - rendered); // the held one, and the one the later five shared
        Assert.Equal(Later - 1, _counts.Shared - shared);
        Assert.Single(pages[1..].Distinct()); // the five answered the same bytes
    }

    [Fact]
    public async Task AScrapeThatAsksAfterAScenarioLoadIsNotAnsweredWithAPageBegunBeforeTheLoad()
    {
        // A scrape begins before the load and is held after it has written the simulation's series (the scenario before's).
        _held.Arm();
        var before = ScrapeAsync();
        await _held.TakenAsync();
        await MetricsPage.LoadAsync(_client, Scenario(Loaded));
        await _client.WaitForClusterAsync(c => c.GetProperty("scenario").GetString() == Loaded && c.Step() >= 2, "the loaded scenario to step");

        // A scrape after the load's answer: it must not share the page begun before the load.
        var after = ScrapeAsync();
        await _counts.WaitForAsync(() => _counts.Waiting == 1, "the scrape after the load waiting");
        _held.Release();
        var (beforePage, afterPage) = (await before, await after);

        AssertComplete(beforePage);
        AssertComplete(afterPage);
        Assert.DoesNotContain(Simulation(beforePage), l => l.Contains($"scenario=\"{Loaded}\"", StringComparison.Ordinal)); // the test holds what it means to
        Assert.Contains(Simulation(afterPage), l => l.Contains($"scenario=\"{Loaded}\"", StringComparison.Ordinal));
    }

    private async Task<string> ScrapeAsync()
    {
        using var response = await _client.GetAsync("/metrics", AdminClient.Ct);
        var body = await response.Content.ReadAsStringAsync(AdminClient.Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(response.Content.Headers.ContentLength, System.Text.Encoding.UTF8.GetByteCount(body));
        return body;
    }

    // Every line a comment or a sample, the simulation's families and dcgm's there, ending in a newline.
    private static void AssertComplete(string page)
    {
        Assert.EndsWith("\n", page, StringComparison.Ordinal);
        var bad = page.TrimEnd('\n').Split('\n').Where(l => !l.StartsWith('#') && !SampleLine().IsMatch(l)).Take(3).ToArray();
        Assert.True(bad.Length == 0, $"lines neither comments nor samples: {string.Join(" | ", bad)}");
        Assert.Contains("# TYPE gpusim_node_compute_seconds histogram\n", page, StringComparison.Ordinal);
        Assert.Contains("# TYPE gpusim_barrier_wait_seconds histogram\n", page, StringComparison.Ordinal);
        Assert.Contains("DCGM_FI_DEV_GPU_UTIL{", page, StringComparison.Ordinal);
    }

    // The page's own families (the simulation's and dcgm's), in order: what every page has alike.
    private static string Shape(string page) =>
        string.Join("\n", page.Split('\n').Where(l => l.StartsWith("# TYPE gpusim_", StringComparison.Ordinal) || l.StartsWith("# TYPE DCGM_", StringComparison.Ordinal)));

    // The simulation's series, held at the test's hold point; gpusim_dcgm_gpus_omitted is the dcgm writer's, written after
    // it with the dcgm series (of the layout as they are read), as those are.
    private static IEnumerable<string> Simulation(string page) =>
        page.Split('\n').Where(l => l.StartsWith("gpusim_", StringComparison.Ordinal) && !l.StartsWith("gpusim_dcgm_", StringComparison.Ordinal));

    private static string Scenario(string name) => $$"""
        {
          "name": "{{name}}", "seed": 5,
          "job": { "flopsPerGpuPerStep": 4e14, "gradientBytes": 1e9, "barrierTimeoutSeconds": 100 },
          "sites": [ { "name": "solo", "fabric": { "bandwidthGbps": 400 }, "nodes": [ { "generation": "H100", "count": 2 } ] } ]
        }
        """;

    [GeneratedRegex(@"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? \S+( \S+)?$")]
    private static partial Regex SampleLine();

    /// <summary>
    /// Once armed, holds the next read of the job's scenario that dcgm's writer makes (the last read of a rendering), until
    /// <see cref="Release"/>: outgoing, so the job grain itself answers everything else meanwhile.
    /// </summary>
    private sealed class HeldLayoutRead : IOutgoingGrainCallFilter
    {
        private readonly TaskCompletionSource _taken = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _armed;

        public async Task TakenAsync() => await _taken.Task.WaitAsync(TimeSpan.FromSeconds(120), AdminClient.Ct);

        /// <summary>Holds the next read dcgm's writer makes.</summary>
        public void Arm() => Volatile.Write(ref _armed, 1);

        public void Release() => _released.TrySetResult();

        public async Task Invoke(IOutgoingGrainCallContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            if (context.InterfaceMethod?.Name == nameof(IJobGrain.GetScenarioSourceAsync)
                && Volatile.Read(ref _armed) == 1
                && new StackTrace().ToString().Contains(nameof(DcgmWriter), StringComparison.Ordinal)
                && Interlocked.Exchange(ref _armed, 0) == 1)
            {
                _taken.TrySetResult();
                await _released.Task;
            }

            await context.Invoke();
        }
    }

    /// <summary>The endpoint's counts of this host (its meter factory's), as its meter reports them.</summary>
    private sealed class ScrapeCounts : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _rendered;
        private long _shared;
        private long _waiting;

        public ScrapeCounts(IMeterFactory host)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == MetricsEndpoint.MeterName && ReferenceEquals(instrument.Meter.Scope, host))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
            {
                switch (instrument.Name)
                {
                    case "orleanscluster.metrics.pages_rendered": Interlocked.Add(ref _rendered, value); break;
                    case "orleanscluster.metrics.pages_shared": Interlocked.Add(ref _shared, value); break;
                    case "orleanscluster.metrics.scrapes_waiting": Interlocked.Add(ref _waiting, value); break;
                }
            });
            _listener.Start();
        }

        public long Rendered => Interlocked.Read(ref _rendered);

        public long Shared => Interlocked.Read(ref _shared);

        public long Waiting => Interlocked.Read(ref _waiting);

        public async Task WaitForAsync(Func<bool> condition, string what)
        {
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (!condition())
            {
                Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}; waiting {Waiting}, rendered {Rendered}, shared {Shared}");
                await Task.Delay(20, AdminClient.Ct);
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
