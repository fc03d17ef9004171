using System.Text.Json;
using OrleansCluster.Model.Faults;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Model.Tests.Simulation;

/// <summary>The colossus preset in model mode and the story campaign, against figures computed by hand.</summary>
public sealed class ColossusStoryTests
{
    // W_total = 6 P_a T = 6 * 1e11 * 2^29 over N = 454,000 GPUs, at u = 0.4.
    private const double FlopsPerGpu = 6 * 1e11 * 536870912 / 454_000.0;
    private const double Gb200 = FlopsPerGpu / (2500e12 * 0.4);
    private const double A100 = FlopsPerGpu / (312e12 * 0.4);

    // colossus-1 (33,000 nodes, an 8-GPU node's shard 2e12 * 8 / 80 = 2e11 bytes at 400 GB/s, 1 us hops) sets max T_s.
    private const double Intra = (32_999.0 / 33_000 * 2e11 / 400e9) + (32_999 * 1e-6);

    // Aging links: 17 km x 1.6 + 450 us = 586 us and 20 km x 1.7 + 500 us = 670 us, 1,024 MB windows; the modern
    // link is not window-limited. G_x = 2e12 bytes over m = 3 sites; K = 2e12 / 80 / 25e6 = 1,000 buckets.
    private const double Bandwidth = 4.0 / 3 * 2e12 / (1.024e9 / (2 * 670e-6));
    private const double Latency = 1000 * 4 * 670e-6;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public void HealthyColossusStepIsTheClosedForm()
    {
        var step = new PlainLoopSimulator(NoiseFree()).Step(1);

        Assert.Equal(Gb200, step.Breakdown.ComputeSeconds, 9);
        Assert.Equal(A100 - Gb200, step.Breakdown.StragglerWaitSeconds, 9);
        Assert.Equal(2 * Intra, step.Breakdown.IntraSiteSeconds, 9);
        Assert.Equal(Bandwidth, step.Breakdown.InterSiteBandwidthSeconds, 9);
        Assert.Equal(Latency, step.Breakdown.InterSiteLatencySeconds, 9);
        Assert.InRange(step.Breakdown.InterSiteShare, 0.45, 0.50); // was 0.8 % in direct mode
    }

    [Fact]
    public void TheStoryCampaignShowsInTheBreakdown()
    {
        var scenario = NoiseFree();
        var simulator = new PlainLoopSimulator(scenario);
        var layout = simulator.Layout;
        var campaign = File.ReadAllText(CampaignFile("colossus-story.json"));
        var nodeFaults = new Dictionary<int, List<ActiveFault>>();
        var linkFaults = new Dictionary<string, List<ActiveFault>>(StringComparer.Ordinal);
        using var document = JsonDocument.Parse(campaign);
        foreach (var element in document.RootElement.GetProperty("faults").EnumerateArray())
        {
            var spec = element.Deserialize<FaultSpec>(Json)!;
            Assert.Null(spec.DurationSeconds); // ageing does not heal: every fault stays in force
            var (fault, errors) = FaultValidator.Check(spec, layout);
            Assert.Empty(errors);
            foreach (var node in fault!.Targets.Nodes)
            {
                Collect(nodeFaults, layout.OrdinalOf(node), new ActiveFault(fault.Kind, fault.Params));
            }

            foreach (var link in fault.Targets.Links)
            {
                Collect(linkFaults, link, new ActiveFault(fault.Kind, fault.Params));
            }
        }

        foreach (var (ordinal, faults) in nodeFaults)
        {
            simulator.SetSlowdown(ordinal, FaultEffects.ForNode(faults).Slowdown);
        }

        for (var j = 0; j < scenario.Links.Count; j++)
        {
            if (linkFaults.TryGetValue(scenario.Links[j].Id, out var faults))
            {
                simulator.SetLinkEffect(j, FaultEffects.ForLink(faults) with { ExtraJitterSeconds = 0 });
            }
        }

        var step = simulator.Step(1);

        // colossus-1-colossus-3 at 670 + 700 us: its window moves 1.024e9 / 2.74e-3 = 374 GB/s; colossus-1-colossus-2
        // at 1,086 us would move 471 GB/s but a quarter of its wavelengths carry 400 GB/s. The throttled A100s
        // (clock 0.75) set the pace.
        Assert.Equal(4.0 / 3 * 2e12 / (1.024e9 / (2 * 1370e-6)), step.Breakdown.InterSiteBandwidthSeconds, 9);
        Assert.Equal(1000 * 4 * 1370e-6, step.Breakdown.InterSiteLatencySeconds, 9);
        Assert.Equal((A100 / 0.75) - Gb200, step.Breakdown.StragglerWaitSeconds, 9);
        Assert.Equal(2 * Intra, step.Breakdown.IntraSiteSeconds, 9);
    }

    private static Scenario NoiseFree()
    {
        var colossus = ScenarioPresets.Load("colossus");
        return colossus with { Noise = new NoiseSpec(0, 0) };
    }

    private static void Collect<TKey>(Dictionary<TKey, List<ActiveFault>> into, TKey key, ActiveFault fault)
        where TKey : notnull
    {
        if (!into.TryGetValue(key, out var list))
        {
            into[key] = list = [];
        }

        list.Add(fault);
    }

    private static string CampaignFile(string name)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var path = Path.Combine(directory.FullName, "campaigns", name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new FileNotFoundException(name);
    }
}
