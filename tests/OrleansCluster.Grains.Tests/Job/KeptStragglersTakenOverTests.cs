using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Job;

namespace OrleansCluster.Grains.Tests.Job;

/// <summary>
/// A paused job's record keeps its last straggler report for an activation that takes it over, bounded by the scenario's
/// top-K in each list. Found by review: only the nodes were cut to top-K, and a scenario with many links wrote every one
/// of them into the record.
/// </summary>
[Collection(JobTests.Name)]
public sealed class KeptStragglersTakenOverTests(ClusterFixture fixture)
{
    private readonly JobDriver _driver = new(fixture.Client);

    // Six sites of two nodes, every pair linked (15 links), stragglers.topK 3.
    private static string Meshed()
    {
        var sites = Enumerable.Range(0, 6).Select(s => $$"""{ "name": "k{{s}}", "fabric": { "bandwidthGbps": 400 }, "nodes": [ { "generation": "H100", "count": 2 } ] }""");
        var links = from a in Enumerable.Range(0, 6)
                    from b in Enumerable.Range(a + 1, 5 - a)
                    select $$"""{ "from": "k{{a}}", "to": "k{{b}}", "distanceKm": {{10 * (a + b + 1)}}, "bandwidthGbps": 400 }""";
        return $$"""
            {
              "name": "meshed", "seed": 4,
              "job": { "flopsPerGpuPerStep": 4e14, "gradientBytes": 1e9, "checkpointEverySteps": 1000 },
              "sites": [ {{string.Join(", ", sites)}} ],
              "links": [ {{string.Join(", ", links)}} ],
              "noise": { "computeCv": 0.05, "linkJitterMicroseconds": 20 },
              "stragglers": { "topK": 3 }
            }
            """;
    }

    [Fact]
    public async Task APausedJobTakenOverAnswersItsReportWithTheWorstTopKLinksAndSitesAndCountsTheRest()
    {
        await _driver.StartAtMaxPaceAsync(Meshed());
        await _driver.WaitForStepAsync(3);
        await _driver.Job.PauseAsync();
        var live = (await _driver.Job.GetStragglersAsync(20))!;
        Assert.Equal((15, 0, 6, 0), (live.Links.Count, live.LinksLeftOut, live.BySite.Count, live.SitesLeftOut)); // live: every one

        var storage = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(SimulationStorage.Name);
        var stored = new GrainState<JobRecord>(new JobRecord());
        await storage.ReadStateAsync(SimulationStorage.JobState, _driver.Job.GetGrainId(), stored);
        var kept = stored.State!.Stragglers!;
        Assert.Equal(live.Step, kept.Step);
        Assert.Equal((3, 12, 3, 3), (kept.Links.Count, kept.LinksLeftOut, kept.BySite.Count, kept.SitesLeftOut));
        Assert.Equal((1, 0), (kept.ByGeneration.Count, kept.GenerationsLeftOut));
        Assert.Equal(live.Links.Select(l => l.Link).Intersect(kept.Links.Select(l => l.Link)), kept.Links.Select(l => l.Link)); // in the live order

        // Taken over (the activation gone, as with its silo): the next one answers the kept report.
        await fixture.DeactivateAsync(_driver.Job, "job");
        var answer = (await _driver.Job.GetStragglersAsync(20))!;
        Assert.Equal(live.Step, answer.Step);
        Assert.Equal(kept.Links, answer.Links);
        Assert.Equal(kept.BySite, answer.BySite);
        Assert.Equal((12, 3), (answer.LinksLeftOut, answer.SitesLeftOut));
        await _driver.Job.StopAsync();
    }
}
