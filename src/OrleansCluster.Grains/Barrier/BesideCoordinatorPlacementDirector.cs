using Orleans.Runtime.Placement;

namespace OrleansCluster.Grains.Barrier;

/// <summary>
/// Puts a shard or a block on the silo its coordinator names in the request context of the calls that configure
/// it (<see cref="Want"/>), and with none named, on the silo that places it (as Orleans' prefer-local placement).
/// Shard and block keys do not change with the layout, so when a new layout gives a grain to another silo (a silo
/// joined, or left and came back) its activation is still where the last layout put it. Configured from another
/// silo than its own, it says so (<see cref="Misplaced"/>) and migrates: Orleans places it again through this
/// director, with the request context of the call that asked, so on the coordinator's silo, and the grain directory
/// then names the new place, so the caller's next call (<see cref="PlaceAsync"/>) reaches it there. A plain
/// deactivation would not do: the caller's cached address sends the next call to the old silo, which activates the
/// grain there again without asking any director.
/// </summary>
public sealed class BesideCoordinatorPlacementDirector : IPlacementDirector
{
    /// <summary>The request context key carrying the coordinator's silo.</summary>
    public const string Key = "orleanscluster.coordinator-silo";

    // Tries before a configuration gives up (the job then lays the tree out again a second later).
    private const int Attempts = 20;

    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var silos = context.GetCompatibleSilos(target);
        if (target.RequestContextData is { } data && data.TryGetValue(Key, out var value) && value is SiloAddress wanted && Array.IndexOf(silos, wanted) >= 0)
        {
            return Task.FromResult(wanted);
        }

        return Task.FromResult(context.LocalSiloStatus == SiloStatus.Active && Array.IndexOf(silos, context.LocalSilo) >= 0
            ? context.LocalSilo
            : silos[Random.Shared.Next(silos.Length)]);
    }

    /// <summary>Names <paramref name="silo"/> as the one the calls made from here on in this flow should activate their grains on.</summary>
    public static void Want(SiloAddress? silo)
    {
        if (silo is not null)
        {
            RequestContext.Set(Key, silo);
        }
    }

    /// <summary>Whether the call being served names a silo other than <paramref name="here"/> for its grain.</summary>
    public static bool Misplaced(SiloAddress? here) => RequestContext.Get(Key) is SiloAddress wanted && !wanted.Equals(here);

    /// <summary>
    /// Calls <paramref name="configure"/> until the grain it configures answers that it is on the wanted silo (a
    /// misplaced activation migrates there once it has answered); fails after a bounded number of tries.
    /// </summary>
    public static async Task PlaceAsync(Func<Task<bool>> configure, string grain)
    {
        ArgumentNullException.ThrowIfNull(configure);
        for (var attempt = 1; ; attempt++)
        {
            if (await configure())
            {
                return;
            }

            if (attempt == Attempts)
            {
                throw new InvalidOperationException($"{grain} stayed on another silo than its coordinator's after {Attempts} tries");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10 * attempt)); // while the migration completes
        }
    }
}
