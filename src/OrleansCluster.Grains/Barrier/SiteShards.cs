using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Barrier;

/// <summary>How a site's blocks are cut into shards.</summary>
public static class SiteShards
{
    /// <summary>
    /// Contiguous runs of the site's blocks, of at most <paramref name="blocksPerShard"/> and as even a size as the
    /// count allows, their count a multiple of <paramref name="silos"/> where the site has the blocks for it: shard
    /// <c>j</c> goes to silo <c>(j + h) mod n</c>, so every silo then coordinates as many shards of the site, their
    /// sizes one block apart. (<c>colossus</c>'s first site, 65 blocks, is 5 shards on one silo, 6 of 10 or 11 on
    /// two, 8 of 8 or 9 on four; at 5 shards two silos would step 26 and 39 of its blocks.)
    /// </summary>
    public static SiteConfig[] Split(SiteConfig config, int blocksPerShard, int silos)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blocksPerShard);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(silos);
        var blocks = config.Blocks.Count;
        var shards = (blocks + blocksPerShard - 1) / blocksPerShard;
        shards = Math.Min(blocks, (shards + silos - 1) / silos * silos);
        return Enumerable.Range(0, shards).Select(j =>
        {
            var first = (int)((long)j * blocks / shards);
            var end = (int)((long)(j + 1) * blocks / shards);
            return config with { Blocks = config.Blocks.Skip(first).Take(end - first).ToArray() };
        }).ToArray();
    }
}
