using System.ComponentModel.DataAnnotations;

namespace OrleansCluster.Grains.Faults;

/// <summary>
/// Bounds on fault injection (bound from the <c>Admin</c> configuration section), checked by the registry, the
/// one writer of the faults, so that they hold whichever way a fault arrives (HTTP or an Orleans client).
/// </summary>
public sealed class FaultLimits
{
    /// <summary>The setting <see cref="MaxFaultsPerCall"/> is read from, named in refusals.</summary>
    public const string MaxFaultsPerCallSetting = "Admin:MaxFaultsPerCall";

    /// <summary>The setting <see cref="MaxLiveFaults"/> is read from, named in refusals.</summary>
    public const string MaxLiveFaultsSetting = "Admin:MaxLiveFaults";

    /// <summary>Most faults one injection (a campaign) may carry.</summary>
    [Range(1, 100_000)]
    public int MaxFaultsPerCall { get; set; } = 1_000;

    /// <summary>
    /// Most faults pending or in force at once. Each mutation's cost grows with the faults in force (105,966 of
    /// them made one injection take a second), so the registry refuses to go past this many.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxLiveFaults { get; set; } = 10_000;

    /// <summary>Why one call may not carry <paramref name="count"/> faults, or null when it may.</summary>
    public string? PerCallError(int count) =>
        count > MaxFaultsPerCall ? $"{count} faults in one call; at most {MaxFaultsPerCall} ({MaxFaultsPerCallSetting})" : null;

    /// <summary>Why <paramref name="adding"/> faults may not join the <paramref name="live"/> ones, or null when they may.</summary>
    public string? LiveError(int live, int adding) =>
        live + adding > MaxLiveFaults
            ? $"{live} faults are pending or in force and {adding} more would pass the {MaxLiveFaults} allowed ({MaxLiveFaultsSetting}); clear some first"
            : null;
}
