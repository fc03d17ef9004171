using OrleansCluster.Model.Generations;

namespace OrleansCluster.Model.Scenarios;

// sites: each site's fabric and node groups, with node counts bounded by the five-digit ids.
public static partial class ScenarioLoader
{
    // Upper bound on a node's fabric bandwidth, 10 Pb/s: three thousand times an HGX node's 3,200 Gbps (8 x 400G), so
    // any node to come fits, yet the figure converted to bytes/s (x 1.25e8) and the intra-site ring stay finite.
    private const double MaxFabricBandwidthGbps = 1e7;

    private static List<SiteSpec> ReadSites(List<SiteDocument?>? documents, GpuCatalogue catalogue, Action<string, string> fail)
    {
        var sites = new List<SiteSpec>();
        if (documents is null || documents.Count == 0)
        {
            fail("sites", "at least one site is required");
            return sites;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < documents.Count; i++)
        {
            var path = $"sites[{i}]";
            var site = documents[i];
            if (site is null)
            {
                fail(path, "required");
                continue;
            }

            var name = site.Name;
            if (string.IsNullOrWhiteSpace(name))
            {
                fail($"{path}.name", "required");
            }
            else if (!IdPattern().IsMatch(name))
            {
                fail($"{path}.name", $"'{name}' must be 1-32 characters of a-z, 0-9 and '-', starting with a letter or digit");
            }
            else if (!names.Add(name))
            {
                fail($"{path}.name", $"duplicate site '{name}'");
            }

            FabricSpec fabric = new(0, 0);
            if (site.Fabric is null)
            {
                fail($"{path}.fabric", "required");
            }
            else
            {
                var bandwidth = site.Fabric.BandwidthGbps;
                if (bandwidth is null)
                {
                    fail($"{path}.fabric.bandwidthGbps", "required");
                }
                else
                {
                    Check(bandwidth is > 0 and <= MaxFabricBandwidthGbps, $"{path}.fabric.bandwidthGbps", $"{bandwidth} must be within (0, 1e7]", fail);
                }

                var hop = site.Fabric.HopLatencyMicroseconds ?? 0;
                Check(hop is >= 0 and <= 1e6, $"{path}.fabric.hopLatencyMicroseconds", $"{hop} must be within [0, 1e6]", fail);
                fabric = new FabricSpec((bandwidth ?? 0) * GbpsToBytesPerSecond, hop * Micro);
            }

            var gpusPerNode = site.GpusPerNode ?? 8;
            Check(gpusPerNode is >= 1 and <= 72, $"{path}.gpusPerNode", $"{gpusPerNode} must be within [1, 72]", fail);

            var groups = new List<NodeGroupSpec>();
            if (site.Nodes is null || site.Nodes.Count == 0)
            {
                fail($"{path}.nodes", "at least one node group is required");
            }
            else
            {
                long total = 0;
                for (var j = 0; j < site.Nodes.Count; j++)
                {
                    var groupPath = $"{path}.nodes[{j}]";
                    var group = site.Nodes[j];
                    if (group is null)
                    {
                        fail(groupPath, "required");
                        continue;
                    }

                    GpuGeneration? generation = null;
                    if (string.IsNullOrWhiteSpace(group.Generation))
                    {
                        fail($"{groupPath}.generation", "required");
                    }
                    else if (!catalogue.TryGet(group.Generation, out generation))
                    {
                        fail($"{groupPath}.generation", $"unknown generation '{group.Generation}'");
                    }

                    var count = group.Count;
                    if (count is null)
                    {
                        fail($"{groupPath}.count", "required");
                    }
                    else if (count < 1)
                    {
                        fail($"{groupPath}.count", $"{count} must be >= 1");
                    }
                    else
                    {
                        total += count.Value;
                    }

                    var groupGpus = group.GpusPerNode ?? gpusPerNode;
                    Check(groupGpus is >= 1 and <= 72, $"{groupPath}.gpusPerNode", $"{groupGpus} must be within [1, 72]", fail);
                    if (generation is not null && count >= 1)
                    {
                        groups.Add(new NodeGroupSpec(generation, count.Value, groupGpus));
                    }
                }

                Check(total <= MaxNodesPerSite, $"{path}.nodes", $"{total} nodes exceed the {MaxNodesPerSite} a site may hold", fail);
            }

            sites.Add(new SiteSpec(name ?? string.Empty, fabric, gpusPerNode, groups));
        }

        return sites;
    }
}
