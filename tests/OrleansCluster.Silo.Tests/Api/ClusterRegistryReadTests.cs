using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Grains.Faults;

namespace OrleansCluster.Silo.Tests.Api;

/// <summary>
/// <c>/api/cluster</c> reads the faults on every link in one registry call whatever the number of links, and answers
/// the last step's links while the registry fails; a scrape reads the job's scenario once. Found by review: the route
/// made one registry call per link (every second per open live page) and failed with the registry (503 while its last
/// write is unsettled), and a scrape read the scenario's whole source twice. It says which links it answers
/// (<c>linksFromLastStep</c>): found by review, the fallback was silent.
/// </summary>
public sealed class ClusterRegistryReadTests(ClusterRegistryReadTests.Silo silo) : IClassFixture<ClusterRegistryReadTests.Silo>
{
    // Four sites, a link between each two: six links.
    private const string Mesh = """
        {
          "name": "mesh", "seed": 5,
          "job": { "flopsPerGpuPerStep": 4e14, "gradientBytes": 1e9, "barrierTimeoutSeconds": 10, "checkpointEverySteps": 5 },
          "sites": [
            { "name": "a", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 2 }, "nodes": [ { "generation": "H100", "count": 8 } ] },
            { "name": "b", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 2 }, "nodes": [ { "generation": "H100", "count": 8 } ] },
            { "name": "c", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 2 }, "nodes": [ { "generation": "H100", "count": 8 } ] },
            { "name": "d", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 2 }, "nodes": [ { "generation": "H100", "count": 8 } ] }
          ],
          "links": [
            { "from": "a", "to": "b", "distanceKm": 20, "bandwidthGbps": 400 },
            { "from": "a", "to": "c", "distanceKm": 30, "bandwidthGbps": 400 },
            { "from": "a", "to": "d", "distanceKm": 40, "bandwidthGbps": 400 },
            { "from": "b", "to": "c", "distanceKm": 50, "bandwidthGbps": 400 },
            { "from": "b", "to": "d", "distanceKm": 60, "bandwidthGbps": 400 },
            { "from": "c", "to": "d", "distanceKm": 70, "bandwidthGbps": 400 }
          ],
          "noise": { "computeCv": 0.05, "linkJitterMicroseconds": 20 }
        }
        """;

    private readonly HttpClient _client = silo.Factory.CreateAdminClient();

    [Fact]
    public async Task ClusterReadsEveryLinksFaultsInOneRegistryCall()
    {
        await LoadPausedAsync();
        silo.Calls.Reset();

        var links = (await _client.GetJsonAsync("/api/cluster")).GetProperty("links");

        Assert.Equal(6, links.GetArrayLength());
        Assert.Equal(1, silo.Calls.LinkReads);
    }

    [Fact]
    public async Task ClusterAnswersTheLastStepsLinksWhileTheRegistryFails()
    {
        await LoadPausedAsync();
        var healthy = await _client.GetJsonAsync("/api/cluster"); // no fault: the links now are the paused step's
        Assert.False(healthy.GetProperty("linksFromLastStep").GetBoolean(), $"the links were read now: {healthy}");

        silo.Calls.Failing = true;
        try
        {
            var (status, cluster, _) = await _client.SendJsonAsync(HttpMethod.Get, "/api/cluster");
            var (linksStatus, linksBody, _) = await _client.SendJsonAsync(HttpMethod.Get, "/api/links");

            Assert.True(status == HttpStatusCode.OK, $"{(int)status} {cluster}");
            Assert.Equal(healthy.GetProperty("links").ToString(), cluster.GetProperty("links").ToString());
            Assert.Equal(healthy.Step(), cluster.Step());
            Assert.True(cluster.GetProperty("linksFromLastStep").GetBoolean(), $"the registry failed, the links are the last step's: {cluster}");
            Assert.True(linksStatus != HttpStatusCode.OK, $"the registry did not fail: {(int)linksStatus} {linksBody}"); // /api/links has no last step to fall back on
        }
        finally
        {
            silo.Calls.Failing = false;
        }
    }

    [Fact]
    public async Task AScrapeReadsTheJobsScenarioOnceAndStillCarriesItsLinksAndHistograms()
    {
        await LoadPausedAsync();
        silo.Calls.Reset();

        using var response = await _client.GetAsync("/metrics", AdminClient.Ct);
        var page = await response.Content.ReadAsStringAsync(AdminClient.Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, silo.Calls.ScenarioReads);
        Assert.Contains("gpusim_link_up{", page, StringComparison.Ordinal);
        Assert.Contains("gpusim_node_compute_seconds_bucket{scenario=\"mesh\"", page, StringComparison.Ordinal);
    }

    // The mesh loaded, stepped (links, figures and histograms reported here) and paused, so that no step reads the
    // registry or the job's scenario while a test counts.
    private async Task LoadPausedAsync()
    {
        var (status, body, _) = await _client.SendJsonAsync(HttpMethod.Put, "/api/scenario", Mesh);
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        Assert.True(body.GetProperty("linksFromLastStep").GetBoolean(), $"a load answers the job's own status, not links read now: {body}");
        await _client.SendJsonAsync(HttpMethod.Post, "/api/job/resume");
        await _client.WaitForClusterAsync(c => c.GetProperty("scenario").GetString() == "mesh" && c.Step() >= 2, "the mesh to step");
        Assert.Equal("paused", (await _client.PostJsonAsync("/api/job/pause")).Body.GetProperty("state").GetString());
    }

    /// <summary>A silo of this class's own, its registry's link reads and the job's scenario reads counted.</summary>
    public sealed class Silo : IAsyncLifetime
    {
        public Silo()
        {
            Factory = new SiloFactory
            {
                Pace = "realtime",
                Settings = new Dictionary<string, string> { ["Simulation:Speed"] = "50" },
                ExtraServices = services => services.AddSingleton<IIncomingGrainCallFilter>(Calls),
            };
        }

        public SiloFactory Factory { get; }

        public RegistryCalls Calls { get; } = new();

        public ValueTask InitializeAsync()
        {
            _ = Factory.Server; // starts the host
            return ValueTask.CompletedTask;
        }

        public async ValueTask DisposeAsync() => await Factory.DisposeAsync();
    }

    /// <summary>
    /// Counts the registry's reads of link faults and the job's scenario reads; while <see cref="Failing"/>, the registry's
    /// link reads fail as they do while its last write is unsettled.
    /// </summary>
    public sealed class RegistryCalls : IIncomingGrainCallFilter
    {
        private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);

        private volatile bool _failing;

        public bool Failing
        {
            get => _failing;
            set => _failing = value;
        }

        public int LinkReads => _calls.GetValueOrDefault(nameof(IFaultRegistryGrain.ForLinkAsync)) + _calls.GetValueOrDefault(nameof(IFaultRegistryGrain.LinkFaultsAsync));

        public int ScenarioReads => _calls.GetValueOrDefault(nameof(IJobGrain.GetScenarioSourceAsync));

        public void Reset() => _calls.Clear();

        public Task Invoke(IIncomingGrainCallContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            var method = context.InterfaceMethod?.Name;
            if (method is nameof(IFaultRegistryGrain.ForLinkAsync) or nameof(IFaultRegistryGrain.LinkFaultsAsync) or nameof(IJobGrain.GetScenarioSourceAsync))
            {
                _calls.AddOrUpdate(method, 1, (_, n) => n + 1);
                if (Failing && method is not nameof(IJobGrain.GetScenarioSourceAsync))
                {
                    throw new WriteUnsettledException("the faults' last write timed out and storage cannot be read back yet (test)");
                }
            }

            return context.Invoke();
        }
    }
}
