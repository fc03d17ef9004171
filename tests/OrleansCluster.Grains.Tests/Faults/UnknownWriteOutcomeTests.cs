using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Faults;

namespace OrleansCluster.Grains.Tests.Faults;

/// <summary>
/// The fault registry after a write whose outcome is unknown (found by probing: a fault injected while Redis was
/// paused answered 503 "the change was undone here", landed when Redis went on, and every read said for minutes that
/// it did not exist, until the registry was reloaded). The registry reads its record back before it answers: a write
/// that landed answers as made, with its effects pushed; one that did not is 503 and changes nothing. Either way what
/// it answers, what it lists and what it told the grains agree with storage (read by reloading the registry).
/// </summary>
[Collection(FlakyStorageTests.Name)]
public sealed class UnknownWriteOutcomeTests(FlakyStorageFixture fixture)
{
    private IFaultRegistryGrain Registry => fixture.Client.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key);

    [Fact]
    public async Task AnInjectionWhoseWriteTimesOutAfterLandingAnswersMadeAndReadsAgreeWithStorage()
    {
        await fixture.LoadUniformAsync("uo");
        fixture.Storage.Arm(SimulationStorage.FaultRegistryState, FlakyStorage.Mode.LandLate);

        var fault = Assert.Single((await Registry.InjectAsync([FlakyStorageFixture.Slowdown("uo-00011")], campaign: null)).Faults); // was a TimeoutException (503)
        Assert.Equal(0, fixture.Storage.Armed(SimulationStorage.FaultRegistryState));
        await AgreesWithStorageAsync(inForce: [fault.Id], slowed: ["uo-00011"]);

        // The registry holds the stored ETag: its next change is written (it met the stale ETag, and a second 503).
        var next = Assert.Single((await Registry.InjectAsync([FlakyStorageFixture.Slowdown("uo-00012")], campaign: null)).Faults);
        await AgreesWithStorageAsync(inForce: [fault.Id, next.Id], slowed: ["uo-00011", "uo-00012"]);
    }

    [Fact]
    public async Task AnInjectionWhoseWriteFailsUnstoredIsRefusedAndChangesNothing()
    {
        await fixture.LoadUniformAsync("un");
        var kept = Assert.Single((await Registry.InjectAsync([FlakyStorageFixture.Slowdown("un-00001")], campaign: null)).Faults);
        fixture.Storage.Arm(SimulationStorage.FaultRegistryState, FlakyStorage.Mode.Fail);

        await Assert.ThrowsAsync<WriteNotMadeException>(() => Registry.InjectAsync([FlakyStorageFixture.Slowdown("un-00002")], campaign: null));
        await AgreesWithStorageAsync(inForce: [kept.Id], slowed: ["un-00001"]);
    }

    [Fact]
    public async Task ClearsWhoseWritesTimeOutAfterLandingAnswerClearedAndTakeTheirEffectsBack()
    {
        await fixture.LoadUniformAsync("uc");
        var faults = (await Registry.InjectAsync([FlakyStorageFixture.Slowdown("uc-00001"), FlakyStorageFixture.Slowdown("uc-00002")], campaign: "uc-camp")).Faults;
        var other = Assert.Single((await Registry.InjectAsync([FlakyStorageFixture.Slowdown("uc-00003")], campaign: null)).Faults);
        var last = Assert.Single((await Registry.InjectAsync([FlakyStorageFixture.Slowdown("uc-00004")], campaign: null)).Faults);

        fixture.Storage.Arm(SimulationStorage.FaultRegistryState, FlakyStorage.Mode.LandLate);
        Assert.Equal(FaultState.Cleared, (await Registry.ClearAsync(other.Id))?.State);
        await AgreesWithStorageAsync(inForce: [.. faults.Select(f => f.Id), last.Id], slowed: ["uc-00001", "uc-00002", "uc-00004"]);
        Assert.Equal(FaultState.Cleared, (await Registry.GetAsync(other.Id))?.State);

        fixture.Storage.Arm(SimulationStorage.FaultRegistryState, FlakyStorage.Mode.LandLate);
        Assert.Equal(2, await Registry.ClearCampaignAsync("uc-camp"));
        await AgreesWithStorageAsync(inForce: [last.Id], slowed: ["uc-00004"]);

        fixture.Storage.Arm(SimulationStorage.FaultRegistryState, FlakyStorage.Mode.LandLate);
        Assert.Equal(1, await Registry.ClearAllAsync());
        await AgreesWithStorageAsync(inForce: [], slowed: []);
        var ended = (await Registry.ListAsync(includeEnded: true)).ToDictionary(f => f.Id, f => f.State, StringComparer.Ordinal);
        Assert.All([.. faults, other, last], f => Assert.Equal(FaultState.Cleared, ended[f.Id]));
    }

    [Fact]
    public async Task AClearWhoseWriteFailsUnstoredIsRefusedAndKeepsTheFaultInForce()
    {
        await fixture.LoadUniformAsync("uf");
        var fault = Assert.Single((await Registry.InjectAsync([FlakyStorageFixture.Slowdown("uf-00001")], campaign: null)).Faults);
        fixture.Storage.Arm(SimulationStorage.FaultRegistryState, FlakyStorage.Mode.Fail);

        await Assert.ThrowsAsync<WriteNotMadeException>(() => Registry.ClearAsync(fault.Id));
        await AgreesWithStorageAsync(inForce: [fault.Id], slowed: ["uf-00001"]);
    }

    [Fact]
    public async Task BackgroundFailuresWhoseWriteTimesOutAfterLandingAreTakenOnce()
    {
        await fixture.LoadUniformAsync("ub");
        var epoch = (await fixture.Client.GetGrain<IJobGrain>(IJobGrain.Key).GetStatusAsync()).Job.Epoch;
        fixture.Storage.Arm(SimulationStorage.FaultRegistryState, FlakyStorage.Mode.LandLate);
        BackgroundFault[] arrivals = [new("bg-ub-1", "test", FaultKind.NodeSlowdown, new FaultTargetRequest(Node: "ub-00005"), new Dictionary<string, double> { ["factor"] = 2 }, 5, 1000, null)];

        await Registry.BackgroundAsync(epoch, 10, arrivals);
        await AgreesWithStorageAsync(inForce: ["bg-ub-1"], slowed: ["ub-00005"]);
        await Registry.BackgroundAsync(epoch, 11, arrivals); // the job's next step: in force already, not made again
        Assert.Equal(1, (await Registry.CountsAsync()).FailuresByCause!["test"]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task WhileAWriteOfUnknownOutcomeCannotBeReadBackEveryCallIsRefusedAndTheFirstReadBackSettlesIt(bool landed)
    {
        await fixture.LoadUniformAsync(landed ? "ul" : "uu");
        var node = landed ? "ul-00007" : "uu-00007";
        try
        {
            fixture.Storage.Arm(SimulationStorage.FaultRegistryState, landed ? FlakyStorage.Mode.LandLate : FlakyStorage.Mode.Fail);
            fixture.Storage.FailReads(SimulationStorage.FaultRegistryState, fail: true);
            await Assert.ThrowsAsync<WriteUnsettledException>(() => Registry.InjectAsync([FlakyStorageFixture.Slowdown(node)], campaign: null));

            // Nothing is answered from memory meanwhile (it answered that the fault did not exist), but the health.
            await Assert.ThrowsAsync<WriteUnsettledException>(async () => await Registry.ListAsync(includeEnded: true));
            await Assert.ThrowsAsync<WriteUnsettledException>(async () => await Registry.NodeEffectsAsync());
            Assert.NotNull((await Registry.HealthAsync()).Unwritten);
        }
        finally
        {
            fixture.Storage.FailReads(SimulationStorage.FaultRegistryState, fail: false);
        }

        // The registry's timer reads it back on its own (its health is answered without a read back).
        await Eventually.WaitForAsync(async () => (await Registry.HealthAsync()).Unwritten is null, "the registry's read back on its timer");
        var inForce = (await Registry.ListAsync(includeEnded: false)).Select(f => f.Id).ToArray();
        Assert.Equal(landed ? 1 : 0, inForce.Length);
        await AgreesWithStorageAsync(inForce, slowed: landed ? [node] : []);
    }

    // The faults in force and the nodes told a slowdown are these, in the registry as it is and once it has been
    // reloaded from storage.
    private async Task AgreesWithStorageAsync(string[] inForce, string[] slowed)
    {
        for (var reloaded = 0; reloaded < 2; reloaded++)
        {
            Assert.Equal(inForce.Order(StringComparer.Ordinal), (await Registry.ListAsync(includeEnded: false)).Select(f => f.Id).Order(StringComparer.Ordinal));
            Assert.Equal(slowed.Order(StringComparer.Ordinal), (await Registry.NodeEffectsAsync()).Where(e => e.Value.Slowdown > 1).Select(e => e.Key).Order(StringComparer.Ordinal));
            if (reloaded == 0)
            {
                await fixture.DeactivateAsync(Registry, "faultregistry");
            }
        }
    }
}
