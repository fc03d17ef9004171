using System.Text.Json;
using OrleansCluster.Model.Faults;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Bench;

/// <summary>
/// A campaign file's faults applied to a plain loop all at once, as they stand when every one of them is in force
/// (the campaign's last stage). Crashes and flaps are left out: the plain loop has no evicted nodes.
/// </summary>
internal static class CampaignEffects
{
    public static string FindFile(string name)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var path = Path.Combine(directory.FullName, "campaigns", name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new FileNotFoundException($"campaigns/{name} not found above {AppContext.BaseDirectory}");
    }

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    /// <summary>Applies every fault of <paramref name="campaignJson"/> to <paramref name="simulator"/>; returns how many applied.</summary>
    /// <param name="simulator">The loop the faults act on.</param>
    /// <param name="campaignJson">The campaign file's text.</param>
    /// <param name="noiseFree">Leaves out the faults' extra link jitter (for the noise-free figures).</param>
    public static int Apply(PlainLoopSimulator simulator, string campaignJson, bool noiseFree = false)
    {
        using var document = JsonDocument.Parse(campaignJson);
        var layout = simulator.Layout;
        var nodeFaults = new Dictionary<string, List<ActiveFault>>(StringComparer.Ordinal);
        var linkFaults = new Dictionary<string, List<ActiveFault>>(StringComparer.Ordinal);
        var applied = 0;
        foreach (var element in document.RootElement.GetProperty("faults").EnumerateArray())
        {
            var spec = element.Deserialize<FaultSpec>(Options)!;
            var (fault, errors) = FaultValidator.Check(spec, layout);
            if (fault is null)
            {
                throw new InvalidOperationException(string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}")));
            }

            if (fault.Kind is FaultKind.NodeCrash or FaultKind.NodeFlap)
            {
                continue;
            }

            var active = new ActiveFault(fault.Kind, fault.Params);
            foreach (var node in fault.Targets.Nodes)
            {
                Add(nodeFaults, node, active);
            }

            foreach (var link in fault.Targets.Links)
            {
                Add(linkFaults, link, active);
            }

            applied++;
        }

        foreach (var (node, faults) in nodeFaults)
        {
            simulator.SetSlowdown(layout.OrdinalOf(node), FaultEffects.ForNode(faults).Slowdown);
        }

        var links = layout.Scenario.Links;
        for (var j = 0; j < links.Count; j++)
        {
            if (linkFaults.TryGetValue(links[j].Id, out var faults))
            {
                var effect = FaultEffects.ForLink(faults);
                simulator.SetLinkEffect(j, noiseFree ? effect with { ExtraJitterSeconds = 0 } : effect);
            }
        }

        return applied;
    }

    private static void Add(Dictionary<string, List<ActiveFault>> into, string key, ActiveFault fault)
    {
        if (!into.TryGetValue(key, out var list))
        {
            into[key] = list = [];
        }

        list.Add(fault);
    }
}
