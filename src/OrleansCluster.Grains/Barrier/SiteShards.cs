using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Barrier;

/// <summary>How a site's blocks are cut into shards, and which silo coordinates each shard.</summary>
public static class SiteShards
{
    /// <summary>
    /// Contiguous runs of the site's blocks, of at most <paramref name="blocksPerShard"/> and as even a size as the
    /// count allows, their count a multiple of <paramref name="silos"/> where the site has the blocks for it: with
    /// shard <c>j</c> on silo <see cref="SiloOf"/>, every silo then coordinates as many shards of the site, their
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

    /// <summary>
    /// The shards of <paramref name="config"/> that each of <paramref name="silos"/> silos (sorted by address)
    /// coordinates, each with its index in <see cref="Split"/>'s order: shard <c>j</c> goes to silo
    /// <see cref="SiloOf"/>, so consecutive shards go to consecutive silos.
    /// </summary>
    public static (int Shard, SiteConfig Config)[][] PerSilo(SiteConfig config, int blocksPerShard, int silos)
    {
        var shards = Split(config, blocksPerShard, silos);
        var perSilo = Enumerable.Range(0, silos).Select(_ => new List<(int, SiteConfig)>()).ToArray();
        for (var j = 0; j < shards.Length; j++)
        {
            perSilo[SiloOf(config.Site, j, silos)].Add((j, shards[j]));
        }

        return perSilo.Select(l => l.ToArray()).ToArray();
    }

    /// <summary>
    /// The index, among <paramref name="silos"/> silos sorted by address, of the one that coordinates shard
    /// <paramref name="shard"/> of <paramref name="site"/>: <c>(j + h(site)) mod n</c>, <c>h</c> a hash of the site's
    /// name that every process computes alike, so that sites whose blocks do not divide evenly do not all leave their
    /// extra shards on the same silo.
    /// </summary>
    public static int SiloOf(string site, int shard, int silos)
    {
        ArgumentNullException.ThrowIfNull(site);
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(silos);
        return (int)(((long)StableHash(site) + shard) % silos);
    }

    // FNV-1a over the UTF-16 code units (string.GetHashCode differs from one process to the next), then MurmurHash3's
    // finaliser: FNV's low bits alone follow the parity of the characters, and a silo is chosen modulo a small count.
    private static uint StableHash(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }

        hash ^= hash >> 16;
        hash *= 0x85ebca6bu;
        hash ^= hash >> 13;
        hash *= 0xc2b2ae35u;
        return hash ^ (hash >> 16);
    }
}
