using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Tests.Faults;

/// <summary>
/// How the fault registry records a clear of a fault whose end has passed before its expiry ran (found by review).
/// </summary>
[Collection(FlakyStorageTests.Name)]
public sealed class RegistryEndsAndReloadTests(FlakyStorageFixture fixture)
{
    private const string Live = "faults-v2";

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
            if (name == Live && Interlocked.Exchange(ref held, 1) == 0)
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
}
