namespace OrleansCluster.Grains.Telemetry;

/// <summary>
/// Which sites <c>/metrics</c> names: a scenario of at most <c>Telemetry:MaxSites</c> sites, all of them; one of more,
/// its first that many sites in the scenario's order, the rest written as one series labelled <see cref="Other"/> (per
/// generation, state or link family). Found by probing: 5,000 sites of one node each made each scrape 240 MB (350 barrier
/// and 106 compute buckets per site), and nothing bounded the sites. The histograms share one bucket lattice, so adding
/// the folded sites' buckets at equal <c>le</c> is exact; the node counts add; the links are read worst first. A site
/// of the scenario itself named <see cref="Other"/> is folded there too when the scenario is folded, so that no two
/// series carry one label set.
/// </summary>
public sealed class SiteFold
{
    /// <summary>The <c>site</c> label of the folded sites' series (and <c>link</c>, <c>from</c>, <c>to</c> of their links').</summary>
    public const string Other = "other";

    private readonly HashSet<string>? _kept;

    private SiteFold(HashSet<string>? kept) => _kept = kept;

    /// <summary>Nothing folded.</summary>
    public static SiteFold None { get; } = new(null);

    /// <summary>The fold of <paramref name="sites"/> (in the scenario's order) under <paramref name="maxSites"/>.</summary>
    public static SiteFold Of(IReadOnlyCollection<string> sites, int maxSites)
    {
        ArgumentNullException.ThrowIfNull(sites);
        return sites.Count <= maxSites
            ? None
            : new(sites.Where(s => !string.Equals(s, Other, StringComparison.Ordinal)).Take(maxSites).ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>Whether any site is folded.</summary>
    public bool Folds => _kept is not null;

    /// <summary>Whether the site's series are written under its own name.</summary>
    public bool Keeps(string site) => _kept is null || _kept.Contains(site);

    /// <summary>The label a site's series carry: its name, or <see cref="Other"/>.</summary>
    public string Label(string site) => Keeps(site) ? site : Other;
}
