using System.ComponentModel.DataAnnotations;

namespace OrleansCluster.Silo.Security;

/// <summary>The <c>Admin</c> configuration section: the API key and the limits on admin calls.</summary>
public sealed class AdminOptions
{
    /// <summary>The admin key; when empty a random one is generated at start and printed once.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Mutations per second, sustained, for each admin key on a silo (every client using the key shares them).</summary>
    [Range(1, 100_000)]
    public int MutationsPerSecond { get; set; } = 100;

    /// <summary>Mutations in a burst, for each admin key on a silo.</summary>
    [Range(1, 100_000)]
    public int MutationBurst { get; set; } = 500;

    /// <summary>
    /// Fault mutations (inject, campaign, clear, clear all) this silo has with the fault registry at once; more wait
    /// here (<see cref="FaultMutationsQueued"/>) or are refused 503 before they reach it. The registry takes one at a
    /// time, so more in flight gain little; few in flight keep each under Orleans' 30 s response timeout even when
    /// every registry turn waits out a slow storage (8 x the Redis client's 5 s), and a call that waits here, not on
    /// the grain, is never carried out after its caller was told it timed out.
    /// </summary>
    [Range(1, 10_000)]
    public int FaultMutationsInFlight { get; set; } = 8;

    /// <summary>Fault mutations that may wait here for one in flight to answer; past them, 503 with Retry-After.</summary>
    [Range(0, 100_000)]
    public int FaultMutationsQueued { get; set; } = 1000;

    /// <summary>Largest request body accepted, in bytes.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Wrong keys an address may present per window before its further wrong keys are answered 429.</summary>
    [Range(1, 1_000_000)]
    public int FailedKeysPerWindow { get; set; } = 20;

    /// <summary>The window wrong keys are counted (and summarised in the log) over, in seconds.</summary>
    [Range(1, 3600)]
    public int FailedKeyWindowSeconds { get; set; } = 10;
}
