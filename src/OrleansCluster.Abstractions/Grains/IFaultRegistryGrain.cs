using Orleans.Concurrency;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Abstractions.Grains;

/// <summary>
/// The cluster's faults: validated, resolved to targets, timed (delayed start, duration, flapping), combined
/// into one effect per node and link and pushed to those grains. Durable state: a silo that dies loses none.
/// One writer, so concurrent injections and clears never lose or duplicate a fault.
/// </summary>
[Alias("IFaultRegistryGrain")]
public interface IFaultRegistryGrain : IGrainWithStringKey
{
    /// <summary>The key of the cluster's registry.</summary>
    const string Key = "faults";

    /// <summary>
    /// The job laid <paramref name="scenario"/> out under <paramref name="epoch"/>, in blocks of
    /// <paramref name="blockSize"/> nodes (the registry tells each node's effect to its block). A new scenario clears
    /// every fault; a new run of the same scenario (start after stop) keeps the injected ones and ends the background
    /// failures (they ran on the last run's clock); the same run laid out again (<paramref name="continuing"/>: a silo
    /// joined or left, a step's calls failed) keeps every fault, and applies them all afresh.
    /// </summary>
    [Alias("RunStarted2")] // a build that does not say whether the run goes on fails clearly
    Task RunStartedAsync(long epoch, ScenarioSource scenario, bool keepFaults, bool continuing, int blockSize);

    /// <summary>What <see cref="EpochAsync"/> answers while the registry has no run laid out: never an epoch a job lays out under.</summary>
    const long NotLaidOut = 0;

    /// <summary>
    /// The epoch the registry tells its effects under: the job's layout it was told last or, after a reactivation, the
    /// one its record held; <see cref="NotLaidOut"/> while it has no run laid out (a stored scenario that no longer
    /// resolves). The same run laid out again is written behind (<see cref="RunStartedAsync"/>), so a registry lost
    /// before that write landed comes back on an older epoch, whose pushes the blocks and links ignore: the job asks
    /// this about once a second while it runs, and lays its tree out again, past this epoch, when the answer is not its
    /// layout (the registry refuses a hand-over under any other: <see cref="BackgroundAsync"/>). Answered from memory,
    /// also while a write's outcome is unknown.
    /// </summary>
    [AlwaysInterleave, Alias("Epoch")]
    ValueTask<long> EpochAsync();

    /// <summary>Injects every fault or none (a campaign is one call).</summary>
    [Alias("Inject")]
    Task<InjectionResult> InjectAsync(IReadOnlyList<FaultRequest> requests, string? campaign);

    /// <summary>
    /// Injects every fault or none, once per <paramref name="idempotencyKey"/>: a retry with the same key and the
    /// same request answers the faults the first call made (<see cref="InjectionResult.Replayed"/>) and makes no
    /// more; the same key with another request is refused. Keys are kept with the faults, in durable state.
    /// </summary>
    [Alias("InjectOnce")]
    Task<InjectionResult> InjectOnceAsync(IReadOnlyList<FaultRequest> requests, string? campaign, string idempotencyKey);

    /// <summary>
    /// The job's simulated clock reached <paramref name="simulatedSeconds"/> in run <paramref name="epoch"/>: background
    /// faults repaired by then end, and <paramref name="arrivals"/> (failures that started since the last call) begin,
    /// with <c>source: "background"</c>. Background faults are timed by this clock, not the wall's, so realtime and
    /// max pace give the same history. Returns the simulated time of the next repair, if any is pending, and how many
    /// arrivals it dropped because the faults in force were at <c>Admin:MaxLiveFaults</c>. Refused (an
    /// <c>EpochMismatchException</c>, nothing taken) when <paramref name="epoch"/> is not the registry's: the job hands
    /// the same arrivals over again, once it has told the registry its layout (<see cref="EpochAsync"/>).
    /// </summary>
    [Alias("Background2")] // answers a BackgroundHandover: a build that expects the time alone fails clearly
    Task<BackgroundHandover> BackgroundAsync(long epoch, double simulatedSeconds, IReadOnlyList<BackgroundFault> arrivals);

    [AlwaysInterleave, Alias("List")]
    ValueTask<IReadOnlyList<Fault>> ListAsync(bool includeEnded);

    [AlwaysInterleave, Alias("Get")]
    ValueTask<Fault?> GetAsync(string id);

    /// <summary>
    /// Clears one fault; null when no fault in force has that id. One whose end has already passed (its expiry not yet
    /// run) is answered, and recorded, expired at its end.
    /// </summary>
    [Alias("Clear")]
    Task<Fault?> ClearAsync(string id);

    /// <summary>
    /// Clears every fault; returns how many. A fault whose end has passed (its expiry not yet run) is recorded expired
    /// at its end, as its expiry would have, and is not counted.
    /// </summary>
    [Alias("ClearAll")]
    Task<int> ClearAllAsync();

    /// <summary>
    /// Clears every fault pending or in force that a campaign named exactly <paramref name="campaign"/> made, as one
    /// change (one write: all of them or, when it fails, none); returns how many, counted as <see cref="ClearAllAsync"/> counts.
    /// </summary>
    [Alias("ClearCampaign")]
    Task<int> ClearCampaignAsync(string campaign);

    /// <summary>Faults in force or pending on one node (directly, through its site, or through a selector).</summary>
    [AlwaysInterleave, Alias("ForNode")]
    ValueTask<IReadOnlyList<Fault>> ForNodeAsync(string node);

    /// <summary>Faults in force or pending on one link.</summary>
    [AlwaysInterleave, Alias("ForLink")]
    ValueTask<IReadOnlyList<Fault>> ForLinkAsync(string link);

    /// <summary>
    /// The faults in force or pending on each link that has any (links not listed have none): every link's
    /// <see cref="ForLinkAsync"/> in one call, for a read of all the links now (found by review: <c>/api/cluster</c>
    /// asked once per link, 9,730 calls for a mesh of 9,730 links, every second per open live page).
    /// </summary>
    [AlwaysInterleave, Alias("LinkFaults")]
    ValueTask<IReadOnlyDictionary<string, IReadOnlyList<Fault>>> LinkFaultsAsync();

    /// <summary>The effect <paramref name="node"/> is under now (<see cref="NodeEffect.None"/> when unaffected).</summary>
    [AlwaysInterleave, Alias("EffectOnNode")]
    ValueTask<NodeEffect> EffectOnNodeAsync(string node);

    /// <summary>The effect each affected node is under now (nodes not listed are unaffected).</summary>
    [AlwaysInterleave, Alias("NodeEffects")]
    ValueTask<IReadOnlyDictionary<string, NodeEffect>> NodeEffectsAsync();

    [AlwaysInterleave, Alias("Counts")]
    ValueTask<FaultCounts> CountsAsync();

    /// <summary>
    /// The faults pending or in force, answered in the registry's turn order (not interleaved): it answers only once every
    /// change queued before it has finished, so a registry whose turn does not end (a write waiting on storage, a
    /// pass that runs on) does not answer it; with what storage has not been given since a write failed. For
    /// <c>/healthz</c>.
    /// </summary>
    [Alias("Health")]
    Task<FaultRegistryHealth> HealthAsync();

    /// <summary>
    /// Writes the live faults and the history again from memory, where storage lost them (a Redis restarted empty): the
    /// job calls it when it finds its own record gone, so that a silo lost before the registry's next change does not
    /// take every fault with it.
    /// </summary>
    [Alias("WriteAgain")]
    Task WriteAgainAsync();

    /// <summary>
    /// <paramref name="silo"/> is about to shut down gracefully: a registry it hosts moves to a silo that stays, its faults
    /// going along in memory (no storage on the way: the next activation neither reads nor waits on a write), and writes
    /// behind there what it owes. Interleaved, and never held by a read back: a silo stopping waits only seconds for it.
    /// </summary>
    [Alias("HandOver"), AlwaysInterleave]
    Task HandOverAsync(string silo);
}
