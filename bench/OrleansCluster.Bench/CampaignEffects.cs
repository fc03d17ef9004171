using System.Text.Json;
using OrleansCluster.Model.Faults;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Bench;

/// <summary>A campaign file (the admin API's format) read and applied to a plain loop with every fault in force.</summary>
internal static class CampaignEffects
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

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

    public static int Apply(PlainLoopSimulator simulator, string campaignJson, bool noiseFree = false)
    {
        using var document = JsonDocument.Parse(campaignJson);
        var faults = document.RootElement.GetProperty("faults").EnumerateArray().Select(e => e.Deserialize<FaultSpec>(Options)!).ToArray();
        return FaultsInForce.Apply(simulator, faults, noiseFree);
    }
}
