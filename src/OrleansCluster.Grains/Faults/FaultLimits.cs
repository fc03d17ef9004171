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
}
