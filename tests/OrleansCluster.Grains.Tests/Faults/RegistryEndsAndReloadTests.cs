using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Faults;

namespace OrleansCluster.Grains.Tests.Faults;

/// <summary>
/// How the fault registry records a clear of a fault whose end has passed before its expiry ran, and what it makes of
/// a stored fault that an earlier build allowed and this one refuses (found by review).
/// </summary>
[Collection(FlakyStorageTests.Name)]
public sealed class RegistryEndsAndReloadTests(FlakyStorageFixture fixture)
{
    private IFaultRegistryGrain Registry => fixture.Client.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key);

    [Fact]
    public async Task AClearOfAFaultPastItsEndThatTheTimerHasNotExpiredIsRecordedExpiredAtItsEndAsGetAnswers()
    {
        await fixture.LoadUniformAsync(site: "xp");
        var fault = Assert.Single((await Registry.InjectAsync([FlakyStorageFixture.Slowdown("xp-00001", durationSeconds: 5)], campaign: null)).Faults);
        var end = fault.EndsAt!.Value;

        // The registry's turn is held in a write (a write to a slow storage) while the clear waits behind it and the
        // fault's end passes: the clear then runs before the timer's expiry, which was queued after it.
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var held = 0;
        fixture.Storage.Wrote = (name, _) =>
        {
            if (name == SimulationStorage.FaultRegistryState && Interlocked.Exchange(ref held, 1) == 0)
            {
                entered.Set();
                release.Wait(TimeSpan.FromSeconds(60));
            }
        };
        Task<Fault?> clear;
        Task writing;
        try
        {
            writing = Registry.WriteAgainAsync();
            await Eventually.WaitForAsync(() => entered.IsSet, "the registry's write");
            clear = Registry.ClearAsync(fault.Id);
            await Eventually.WaitForAsync(() => DateTimeOffset.UtcNow > end + TimeSpan.FromMilliseconds(200), "the fault's end");
        }
        finally
        {
            release.Set();
            fixture.Storage.Wrote = null;
        }

        await writing;
        var cleared = await clear;

        Assert.NotNull(cleared); // still in force when the clear ran: the timer had not expired it
        Assert.Equal((FaultState.Expired, end), (cleared.State, cleared.EndsAt));
        var read = await Registry.GetAsync(fault.Id);
        Assert.Equal((FaultState.Expired, end), (read!.State, read.EndsAt));
        var listed = Assert.Single(await Registry.ListAsync(includeEnded: true), f => f.Id == fault.Id);
        Assert.Equal((FaultState.Expired, end), (listed.State, listed.EndsAt));
    }

    [Fact]
    public async Task AThrottleStoredUnderTheLeastClockRatioIsKeptHeldAtItAndWrittenSo()
    {
        await fixture.LoadUniformAsync(site: "xc");
        var made = await Registry.InjectAsync(
            [
                new("node.thermal-throttle", new FaultTargetRequest(Site: "xc", Count: 3), new Dictionary<string, double> { ["clockRatio"] = 0.5 }),
                new("node.thermal-throttle", new FaultTargetRequest(Node: "xc-00002"), new Dictionary<string, double> { ["clockRatio"] = 0.5 }),
                FlakyStorageFixture.Slowdown("xc-00003"),
            ],
            campaign: null);
        Assert.Empty(made.Errors);
        var throttles = made.Faults.Take(2).Select(f => f.Id).ToArray();

        // As an earlier build, which took clockRatio in (0, 1], stored them.
        await fixture.EditStoredRegistryAsync(state => state.Faults = [.. state.Faults.Select(f => throttles.Contains(f.Id) ? f with { Params = new Dictionary<string, double> { ["clockRatio"] = 0.01 } } : f)]);

        var live = (await Registry.ListAsync(includeEnded: false)).ToDictionary(f => f.Id, StringComparer.Ordinal);

        Assert.Equal(made.Faults.Select(f => f.Id).Order(StringComparer.Ordinal), live.Keys.Order(StringComparer.Ordinal)); // none dropped
        foreach (var id in throttles)
        {
            Assert.Equal(0.05, live[id].Params["clockRatio"]);
        }

        Assert.Equal(3, live[throttles[0]].Targets.Nodes.Count);
        Assert.Equal(0.05, (await Registry.EffectOnNodeAsync("xc-00002")).ClockRatio);

        // Written back held at 0.05, so that the next activation finds nothing to hold (and logs nothing).
        await Eventually.WaitForAsync(
            async () => await fixture.Storage.StoredAsync(SimulationStorage.FaultRegistryState) is FaultRegistryState stored && stored.Faults.Where(f => throttles.Contains(f.Id)).All(f => f.Params["clockRatio"] == 0.05),
            "the throttles written held at 0.05");
    }
}
