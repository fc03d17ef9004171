namespace OrleansCluster.Model.Scenarios;

// links: the inter-site links between known sites, in SI units, and whether they join every site.
public static partial class ScenarioLoader
{
    // Upper bound on a link's bandwidth, 100 Pb/s: about two thousand times the presets' modern link (51,200 Gbps,
    // 128 x 400G), so any link to come fits, yet the figure converted to bytes/s (x 1.25e8) stays finite: 1e308 Gbps
    // once overflowed to infinity, and the inter-site phase lost its latency term with its bandwidth term.
    private const double MaxLinkBandwidthGbps = 1e8;

    private static List<LinkSpec> ReadLinks(List<LinkDocument?>? documents, List<SiteSpec> sites, Action<string, string> fail)
    {
        var links = new List<LinkSpec>();
        documents ??= [];
        var siteNames = sites.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var pairs = new Dictionary<(string, string), int>();
        for (var i = 0; i < documents.Count; i++)
        {
            var path = $"links[{i}]";
            var link = documents[i];
            if (link is null)
            {
                fail(path, "required");
                continue;
            }

            var ok = true;
            foreach (var (field, value) in new[] { ("from", link.From), ("to", link.To) })
            {
                if (string.IsNullOrWhiteSpace(value))
                {
                    fail($"{path}.{field}", "required");
                    ok = false;
                }
                else if (!siteNames.Contains(value))
                {
                    fail($"{path}.{field}", $"unknown site '{value}'");
                    ok = false;
                }
            }

            if (ok && string.Equals(link.From, link.To, StringComparison.Ordinal))
            {
                fail($"{path}.to", "a link joins two different sites");
                ok = false;
            }

            var id = link.Name ?? $"{link.From}-{link.To}";
            if (link.Name is not null && !IdPattern().IsMatch(link.Name))
            {
                fail($"{path}.name", $"'{link.Name}' must be 1-32 characters of a-z, 0-9 and '-'");
            }
            else if (!ids.Add(id))
            {
                fail(link.Name is null ? path : $"{path}.name", $"duplicate link '{id}'");
            }
            else if (ok && !pairs.TryAdd(Pair(link.From!, link.To!), i))
            {
                // 'b-a' beside 'a-b' is the same link, not a second one: the ring would take the slower of the two
                // as its bottleneck where parallel links would add up.
                var first = pairs[Pair(link.From!, link.To!)];
                fail(path, $"joins '{link.From}' and '{link.To}', as links[{first}] already does: one link per pair of sites, whichever way round");
            }

            var distance = link.DistanceKm;
            if (distance is null)
            {
                fail($"{path}.distanceKm", "required");
            }
            else
            {
                Check(distance is >= 0 and <= 40_000, $"{path}.distanceKm", $"{distance} must be within [0, 40000]", fail);
            }

            var route = link.RouteFactor ?? 1;
            Check(route is >= 1 and <= 10, $"{path}.routeFactor", $"{route} must be within [1, 10]", fail);
            var equipment = link.EquipmentLatencyMicroseconds ?? 0;
            Check(equipment is >= 0 and <= 1e7, $"{path}.equipmentLatencyMicroseconds", $"{equipment} must be within [0, 1e7]", fail);
            var bandwidth = link.BandwidthGbps;
            if (bandwidth is null)
            {
                fail($"{path}.bandwidthGbps", "required");
            }
            else
            {
                Check(bandwidth is > 0 and <= MaxLinkBandwidthGbps, $"{path}.bandwidthGbps", $"{bandwidth} must be within (0, 1e8]", fail);
            }

            var window = link.MaxInFlightMegabytes;
            Check(window is null or (> 0 and <= 1e6), $"{path}.maxInFlightMegabytes", $"{window} must be within (0, 1e6]", fail);
            if (ok)
            {
                links.Add(new LinkSpec(id, link.From!, link.To!, distance ?? 0, route, equipment * Micro, (bandwidth ?? 0) * GbpsToBytesPerSecond)
                {
                    MaxInFlightBytes = window is { } megabytes ? megabytes * 1e6 : double.PositiveInfinity,
                });
            }
        }

        if (sites.Count > 1 && sites.All(s => s.Name.Length > 0) && !Connected(sites, links))
        {
            fail("links", $"the links must join all {sites.Count} sites (the all-reduce ring crosses them)");
        }

        return links;
    }

    private static (string, string) Pair(string from, string to) =>
        string.CompareOrdinal(from, to) < 0 ? (from, to) : (to, from);

    private static bool Connected(List<SiteSpec> sites, List<LinkSpec> links)
    {
        var reached = new HashSet<string>(StringComparer.Ordinal) { sites[0].Name };
        var frontier = new Queue<string>(reached);
        while (frontier.TryDequeue(out var site))
        {
            foreach (var link in links)
            {
                var other = link.From == site ? link.To : link.To == site ? link.From : null;
                if (other is not null && reached.Add(other))
                {
                    frontier.Enqueue(other);
                }
            }
        }

        return reached.Count == sites.Select(s => s.Name).Distinct(StringComparer.Ordinal).Count();
    }
}
