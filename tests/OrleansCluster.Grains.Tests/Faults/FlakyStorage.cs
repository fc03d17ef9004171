using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Storage;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Faults;
using OrleansCluster.Testing;

namespace OrleansCluster.Grains.Tests.Faults;

/// <summary>
/// The simulation's grain storage with writes that go wrong on demand: the next writes of a named state fail (storage
/// out of reach), or are stored and then fail with a timeout, as a write to a paused Redis does when the client gives
/// up on it and Redis runs it later (the grain's ETag is then behind the stored one). Exact where pausing a real Redis
/// is a race with the timeout.
/// </summary>
public sealed class FlakyStorage(IGrainStorage inner) : IGrainStorage
{
    /// <summary>What an armed write does.</summary>
    public enum Mode
    {
        /// <summary>Not stored; the write throws.</summary>
        Fail,

        /// <summary>Stored, with an ETag the caller never sees; the write throws a timeout.</summary>
        LandLate,

        /// <summary>Not stored; the write waits <see cref="HangFor"/>, as one to a paused Redis does until the client gives up, then throws a timeout.</summary>
        Hang,
    }

    /// <summary>How long a write armed to <see cref="Mode.Hang"/> waits before it fails.</summary>
    public static readonly TimeSpan HangFor = TimeSpan.FromSeconds(2);

    /// <summary>A count to <see cref="Arm"/> with that no test reaches: every write goes wrong until <see cref="Disarm"/>.</summary>
    public const int UntilDisarmed = 1_000_000;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, (Mode Mode, int Count)> _armed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Written> _written = new(StringComparer.Ordinal);

    /// <summary>
    /// Takes the last written record of <paramref name="stateName"/> out of storage, as a Redis restarted empty (no
    /// persistence) does: its grain's ETag then names a record that is not there.
    /// </summary>
    public Task ForgetAsync(string stateName) => Last(stateName).Forget();

    /// <summary>
    /// Takes what storage holds of <paramref name="stateName"/> now; the answer puts it back, as a Redis restarted from an
    /// older snapshot (or a backup, or a lagging replica) does: its grain's ETag then names a later record than the one
    /// stored, and the writes since are lost.
    /// </summary>
    public Task<Func<Task>> SnapshotAsync(string stateName) => Last(stateName).Snapshot();

    /// <summary>The record storage holds of <paramref name="stateName"/> (null when none, or before any write), as a new object.</summary>
    public Task<object?> StoredAsync(string stateName)
    {
        lock (_gate)
        {
            return _written.TryGetValue(stateName, out var written) ? written.Read() : Task.FromResult<object?>(null);
        }
    }

    /// <summary>Whether storage holds a record of <paramref name="stateName"/> (for the grain that last wrote one; false before any write).</summary>
    public Task<bool> HoldsAsync(string stateName)
    {
        lock (_gate)
        {
            return _written.TryGetValue(stateName, out var written) ? written.Holds() : Task.FromResult(false);
        }
    }

    private Written Last(string stateName)
    {
        lock (_gate)
        {
            return _written.TryGetValue(stateName, out var written) ? written : throw new InvalidOperationException($"no write of {stateName} yet");
        }
    }

    /// <summary>Called with the grain's own state object after each write that succeeds, while set.</summary>
    public Action<string, object?>? Wrote { get; set; }

    /// <summary>Has the next <paramref name="count"/> writes of <paramref name="stateName"/> go wrong as <paramref name="mode"/>.</summary>
    public void Arm(string stateName, Mode mode, int count = 1)
    {
        lock (_gate)
        {
            _armed[stateName] = (mode, count);
        }
    }

    /// <summary>Every write succeeds from now on.</summary>
    public void Disarm()
    {
        lock (_gate)
        {
            _armed.Clear();
            _unreadable.Clear();
        }
    }

    /// <summary>How many of the writes armed for <paramref name="stateName"/> are still to come.</summary>
    public int Armed(string stateName)
    {
        lock (_gate)
        {
            return _armed.TryGetValue(stateName, out var armed) ? armed.Count : 0;
        }
    }

    private readonly HashSet<string> _unreadable = new(StringComparer.Ordinal);

    /// <summary>Has every read of <paramref name="stateName"/> fail (storage out of reach), or succeed again.</summary>
    public void FailReads(string stateName, bool fail)
    {
        lock (_gate)
        {
            _ = fail ? _unreadable.Add(stateName) : _unreadable.Remove(stateName);
        }
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        lock (_gate)
        {
            if (_unreadable.Contains(stateName))
            {
                throw new TimeoutException($"test storage: the read of {stateName} failed");
            }
        }

        return inner.ReadStateAsync(stateName, grainId, grainState);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ClearStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        switch (Take(stateName))
        {
            case Mode.Fail:
                throw new TimeoutException($"test storage: the write of {stateName} failed");
            case Mode.Hang:
                await Task.Delay(HangFor);
                throw new TimeoutException($"test storage: the write of {stateName} hung and timed out");
            case Mode.LandLate:
                var copy = new GrainState<T>(grainState.State, grainState.ETag) { RecordExists = grainState.RecordExists };
                await inner.WriteStateAsync(stateName, grainId, copy);
                throw new TimeoutException($"test storage: the write of {stateName} timed out (and was stored)");
            default:
                await inner.WriteStateAsync(stateName, grainId, grainState);
                Wrote?.Invoke(stateName, grainState.State);
                lock (_gate)
                {
                    _written[stateName] = new Written(
                        async () =>
                        {
                            // A write of the grain's between the read and the clear changes the ETag: read it again.
                            for (var attempt = 1; ; attempt++)
                            {
                                var stored = new GrainState<T>();
                                await inner.ReadStateAsync(stateName, grainId, stored);
                                try
                                {
                                    await inner.ClearStateAsync(stateName, grainId, stored);
                                    return;
                                }
                                catch (InconsistentStateException) when (attempt < 20)
                                {
                                }
                            }
                        },
                        async () =>
                        {
                            var stored = new GrainState<T>();
                            await inner.ReadStateAsync(stateName, grainId, stored);
                            return stored.RecordExists;
                        },
                        async () =>
                        {
                            var then = new GrainState<T>();
                            await inner.ReadStateAsync(stateName, grainId, then);
                            return async () =>
                            {
                                // Written over whatever is stored now, under a new ETag (the grain's names the later record).
                                for (var attempt = 1; ; attempt++)
                                {
                                    var now = new GrainState<T>();
                                    await inner.ReadStateAsync(stateName, grainId, now);
                                    try
                                    {
                                        await inner.WriteStateAsync(stateName, grainId, new GrainState<T>(then.State, now.ETag) { RecordExists = now.RecordExists });
                                        return;
                                    }
                                    catch (InconsistentStateException) when (attempt < 20)
                                    {
                                    }
                                }
                            };
                        },
                        async () =>
                        {
                            var stored = new GrainState<T>();
                            await inner.ReadStateAsync(stateName, grainId, stored);
                            return stored.RecordExists ? stored.State : null;
                        });
                }

                return;
        }
    }

    private sealed record Written(Func<Task> Forget, Func<Task<bool>> Holds, Func<Task<Func<Task>>> Snapshot, Func<Task<object?>> Read);

    private Mode? Take(string stateName)
    {
        lock (_gate)
        {
            if (_armed.TryGetValue(stateName, out var armed) && armed.Count > 0)
            {
                _armed[stateName] = (armed.Mode, armed.Count - 1);
                return armed.Mode;
            }

            return null;
        }
    }
}

/// <summary>The one-silo test cluster with its simulation storage wrapped in <see cref="FlakyStorage"/>.</summary>
public sealed class FlakyStorageFixture : ClusterFixture
{
    /// <summary>The silo's storage, to arm.</summary>
    public FlakyStorage Storage => (FlakyStorage)Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(SimulationStorage.Name);

    /// <summary>A slowdown of two on <paramref name="node"/>, for ever or for <paramref name="durationSeconds"/>.</summary>
    public static FaultRequest Slowdown(string node, double? durationSeconds = null) =>
        new("node.slowdown", new FaultTargetRequest(Node: node), new Dictionary<string, double> { ["factor"] = 2 }, DurationSeconds: durationSeconds);

    /// <summary>
    /// Every write succeeds again, the job stops and loads a 32-node uniform scenario of site <paramref name="site"/>,
    /// and no fault is in force: each test starts from there. Answers the job's epoch.
    /// </summary>
    public Task<long> LoadUniformAsync(string site) => LoadAsync(ScenarioSource.FromJson(Scenarios.Uniform(nodes: 32, site: site)));

    /// <summary>As <see cref="LoadUniformAsync"/>, with <paramref name="source"/> loaded.</summary>
    public async Task<long> LoadAsync(ScenarioSource source)
    {
        Storage.Disarm();
        var job = Client.GetGrain<IJobGrain>(IJobGrain.Key);
        await job.StopAsync();
        await job.LoadAsync(source);
        await Client.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key).ClearAllAsync();
        return (await job.GetStatusAsync()).Job.Epoch;
    }

    /// <summary><see cref="LoadUniformAsync"/>, and the job started at max pace.</summary>
    public async Task StartUniformAsync(string site)
    {
        await LoadUniformAsync(site);
        var job = Client.GetGrain<IJobGrain>(IJobGrain.Key);
        await job.SetPaceAsync(PaceSettings.Max);
        await job.StartAsync();
    }

    /// <summary>
    /// Rewrites the fault registry's stored record with <paramref name="edit"/>, its activation gone first, so that the
    /// next one reads it as edited (as an earlier build could have stored it). Answers the record as written.
    /// </summary>
    public async Task<FaultRegistryState> EditStoredRegistryAsync(Action<FaultRegistryState> edit)
    {
        ArgumentNullException.ThrowIfNull(edit);
        var registry = Client.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key);
        await DeactivateAsync(registry, "faultregistry");
        var stored = new GrainState<FaultRegistryState>();
        await Storage.ReadStateAsync(SimulationStorage.FaultRegistryState, registry.GetGrainId(), stored);
        Assert.True(stored.RecordExists, "the registry has no stored record to edit");
        edit(stored.State!);
        await Storage.WriteStateAsync(SimulationStorage.FaultRegistryState, registry.GetGrainId(), stored);
        return stored.State!;
    }

    protected override void ConfigureSilo(ISiloBuilder silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.WrapSimulationStorage(inner => new FlakyStorage(inner));
    }
}
