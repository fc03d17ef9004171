using Orleans.Runtime.Placement;

namespace OrleansCluster.Grains.Barrier;

/// <summary>
/// Puts shard <c>j</c> of a site on the <c>(j + h(site)) mod n</c>-th of the <c>n</c> compatible silos sorted by
/// address, <c>h</c> a hash of the site's name that is the same in every process: consecutive shards go to
/// consecutive silos, so each silo coordinates (and, its blocks and nodes being placed beside their shard, steps)
/// within one shard as many as the others. A key that is not a shard's goes where its hash says.
/// </summary>
public sealed class ShardPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var silos = context.GetCompatibleSilos(target);
        if (silos.Length == 0)
        {
            throw new InvalidOperationException($"no silo can host {target.GrainIdentity}");
        }

        var sorted = silos.ToArray();
        Array.Sort(sorted);
        return Task.FromResult(sorted[Choose(target.GrainIdentity.Key.ToString(), sorted.Length)]);
    }

    /// <summary>The index, among <paramref name="silos"/> silos sorted by address, of the one that hosts the grain keyed <paramref name="key"/>.</summary>
    public static int Choose(string key, int silos)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(silos);
        var parsed = ShardKey.TryParse(key, out var site, out var shard);
        var offset = (long)StableHash(site) + (parsed ? shard : 0);
        return (int)(offset % silos);
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
