using System.Globalization;

namespace OrleansCluster.Grains.Barrier;

/// <summary>The key of a site's shard grain, <c>{site}/shard-{j}</c>, written by the site and read back by the placement.</summary>
public static class ShardKey
{
    private const string Separator = "/shard-";

    public static string Format(string site, int shard) => string.Create(CultureInfo.InvariantCulture, $"{site}{Separator}{shard}");

    /// <summary>The site and shard index of <paramref name="key"/>; false when it is not a shard's key.</summary>
    public static bool TryParse(string key, out string site, out int shard)
    {
        ArgumentNullException.ThrowIfNull(key);
        var at = key.LastIndexOf(Separator, StringComparison.Ordinal);
        if (at >= 0 && int.TryParse(key.AsSpan(at + Separator.Length), NumberStyles.None, CultureInfo.InvariantCulture, out shard))
        {
            site = key[..at];
            return true;
        }

        site = key;
        shard = 0;
        return false;
    }
}
