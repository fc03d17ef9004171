using System.Globalization;

namespace OrleansCluster.Grains.Barrier;

/// <summary>The key of a site's shard grain, <c>{site}/shard-{j}</c>.</summary>
public static class ShardKey
{
    public static string Format(string site, int shard) => string.Create(CultureInfo.InvariantCulture, $"{site}/shard-{shard}");
}
