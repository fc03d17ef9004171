using System.Net;
using Orleans.Runtime;
using Orleans.Storage;
using OrleansCluster.Grains;

namespace OrleansCluster.Silo.Tests.Api;

/// <summary>
/// <c>DELETE /api/faults?campaign=NAME</c> clears the campaign as one change. Found by review: it cleared the faults one
/// registry call and one write of the registry's record each (seconds for a large campaign under load), so a reader
/// could see half a campaign cleared and a write that failed partway left it half cleared.
/// </summary>
public sealed class CampaignClearTests : IAsyncLifetime
{
    private const int Size = 60;

    private readonly SiloFactory _factory;
    private readonly HttpClient _client;
    private CountingStorage? _storage; // made by the silo

    public CampaignClearTests()
    {
        _factory = new SiloFactory { ExtraServices = services => services.WrapSimulationStorage(inner => _storage = new CountingStorage(inner)) };
        _client = _factory.CreateAdminClient();
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task ALargeCampaignIsClearedWithOneWriteAndTheOtherFaultsAreLeft()
    {
        var (mine, others) = await InjectAsync();
        var storage = _storage!;
        var before = storage.Writes(SimulationStorage.FaultRegistryState);

        var (status, count, _) = await _client.SendJsonAsync(HttpMethod.Delete, "/api/faults?campaign=big");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(Size, count.GetProperty("cleared").GetInt32());
        Assert.Equal(1, storage.Writes(SimulationStorage.FaultRegistryState) - before); // one write per fault (60) before
        Assert.Equal(others, await IdsAsync("/api/faults"));
        var all = (await _client.GetJsonAsync("/api/faults?all=true&campaign=big")).EnumerateArray().ToDictionary(f => f.GetProperty("id").GetString()!, f => f.GetProperty("state").GetString());
        Assert.Equal(mine, all.Keys.Order(StringComparer.Ordinal));
        Assert.All(all.Values, state => Assert.Equal("cleared", state));
    }

    [Fact]
    public async Task AClearWhoseWriteFailsLeavesTheWholeCampaignAndASecondClearsIt()
    {
        var (mine, others) = await InjectAsync();
        var storage = _storage!;

        storage.FailAfter(SimulationStorage.FaultRegistryState, 0);
        var (failed, _, response) = await _client.SendJsonAsync(HttpMethod.Delete, "/api/faults?campaign=big");
        storage.FailAfter(SimulationStorage.FaultRegistryState, null);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(mine, await IdsAsync("/api/faults?campaign=big"));

        // Every write after the first fails: cleared one by one, the first fault was cleared and the rest were not.
        storage.FailAfter(SimulationStorage.FaultRegistryState, 1);
        var (status, _, _) = await _client.SendJsonAsync(HttpMethod.Delete, "/api/faults?campaign=big");
        storage.FailAfter(SimulationStorage.FaultRegistryState, null);
        var left = await IdsAsync("/api/faults?campaign=big");
        Assert.True(
            left.SequenceEqual(mine) || (status == HttpStatusCode.OK && left.Length == 0),
            $"{(int)status}: {left.Length} of the campaign's {Size} faults left, neither all nor none");
        Assert.Equal(others, (await IdsAsync("/api/faults")).Except(left).ToArray());

        var (again, count, _) = await _client.SendJsonAsync(HttpMethod.Delete, "/api/faults?campaign=big");
        Assert.Equal(HttpStatusCode.OK, again);
        Assert.Equal(left.Length, count.GetProperty("cleared").GetInt32());
        Assert.Empty(await IdsAsync("/api/faults?campaign=big"));
        Assert.Equal(others, await IdsAsync("/api/faults"));
    }

    // The campaign "big" of Size slowdowns, and beside it a single fault and another campaign of two; their ids, sorted.
    private async Task<(string[] Mine, string[] Others)> InjectAsync()
    {
        await _client.WaitForClusterAsync(c => c.Step() >= 1, "the run's first step");
        Assert.Equal(HttpStatusCode.Created, (await _client.PostJsonAsync("/api/faults", """{"kind":"link.latency","target":{"link":"west-east"},"params":{"addMilliseconds":2}}""")).Status);
        var (other, _, _) = await _client.PostJsonAsync("/api/faults/campaign", Campaign("small", 2));
        Assert.Equal(HttpStatusCode.Created, other);
        var others = await IdsAsync("/api/faults");
        var (status, _, _) = await _client.PostJsonAsync("/api/faults/campaign", Campaign("big", Size));
        Assert.Equal(HttpStatusCode.Created, status);
        var mine = await IdsAsync("/api/faults?campaign=big");
        Assert.Equal(Size, mine.Length);
        Assert.Equal(3, others.Length);
        return (mine, others);
    }

    private static string Campaign(string name, int faults) =>
        $$"""{"name":"{{name}}","faults":[{{string.Join(",", Enumerable.Range(0, faults).Select(i => $$$"""{"kind":"node.slowdown","target":{"node":"west-{{{(i % 4) + 1:D5}}}"},"params":{"factor":1.5}}"""))}}]}""";

    private async Task<string[]> IdsAsync(string path) =>
        (await _client.GetJsonAsync(path)).EnumerateArray().Select(f => f.GetProperty("id").GetString()!).Order(StringComparer.Ordinal).ToArray();

    /// <summary>The silo's simulation storage, counting its writes by state name, with writes that fail on demand.</summary>
    private sealed class CountingStorage(IGrainStorage inner) : IGrainStorage
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<string, int> _writes = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _failAfter = new(StringComparer.Ordinal);

        /// <summary>How many writes of <paramref name="stateName"/> succeeded.</summary>
        public int Writes(string stateName)
        {
            lock (_gate)
            {
                return _writes.GetValueOrDefault(stateName);
            }
        }

        /// <summary>From now on, the writes of <paramref name="stateName"/> after <paramref name="count"/> more fail (null: none fails).</summary>
        public void FailAfter(string stateName, int? count)
        {
            lock (_gate)
            {
                if (count is { } n)
                {
                    _failAfter[stateName] = n;
                }
                else
                {
                    _failAfter.Remove(stateName);
                }
            }
        }

        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ReadStateAsync(stateName, grainId, grainState);

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ClearStateAsync(stateName, grainId, grainState);

        public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            lock (_gate)
            {
                if (_failAfter.TryGetValue(stateName, out var left))
                {
                    if (left == 0)
                    {
                        throw new TimeoutException($"test storage: the write of {stateName} failed");
                    }

                    _failAfter[stateName] = left - 1;
                }
            }

            await inner.WriteStateAsync(stateName, grainId, grainState);
            lock (_gate)
            {
                _writes[stateName] = _writes.GetValueOrDefault(stateName) + 1;
            }
        }
    }
}
