using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Faults;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Tests.Faults;

/// <summary>One step's hand-over of background failures decided without a silo: repairs, arrivals, drops at the limit.</summary>
public sealed class BackgroundStepTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);
    private readonly ClusterLayout _layout = new(ScenarioLoader.Parse(Scenarios.TwoSites()));

    private BackgroundFault Arrival(string id, int node, double start, double repair) =>
        new(id, "xid-79", FaultKind.NodeCrash, new FaultTargetRequest(Node: _layout.Nodes[node].Id), new Dictionary<string, double>(), start, repair, 79);

    [Fact]
    public void RepairsMakeRoomFirstThenTheEarliestArrivalsAreTakenUpToTheLimitAndTheRestDropped()
    {
        var book = new FaultBook();
        BackgroundIntake.Make([Arrival("bg1-1", 0, start: 0, repair: 10), Arrival("bg1-2", 1, start: 0, repair: 100)], _layout, Now).ForEach(book.Add);

        var step = BackgroundStep.Plan(
            book, [], [Arrival("bg1-3", 2, 15, 100), Arrival("bg1-4", 3, 15, 100), Arrival("bg1-5", 4, 15, 100)], _layout, simulatedSeconds: 20, maxLiveFaults: 3, Now);

        Assert.Equal(["bg1-1"], step.Repaired.Select(f => f.Id)); // repaired at 10 s of the job's clock
        Assert.Equal(["bg1-3", "bg1-4"], step.Made.Select(f => f.Id)); // room for 3 - (2 - 1)
        Assert.Equal(1, step.Dropped);
        Assert.True(step.Changes);
        Assert.Equal(["bg1-1"], step.Ending.Select(f => f.Id));
        Assert.Equal(["bg1-3", "bg1-4"], step.Adding.Select(f => f.Id));
    }

    [Fact]
    public void AnArrivalInForceOrEndedAlreadyIsNotMadeTwiceAndOneRepairedWithinTheStepEndsAtOnce()
    {
        var book = new FaultBook();
        var inForce = BackgroundIntake.Make([Arrival("bg1-1", 0, 0, 100)], _layout, Now);
        inForce.ForEach(book.Add);
        var ended = BackgroundIntake.Make([Arrival("bg1-2", 1, 0, 1)], _layout, Now);

        var step = BackgroundStep.Plan(
            book, ended, [Arrival("bg1-1", 0, 0, 100), Arrival("bg1-2", 1, 0, 1), Arrival("bg1-3", 2, 5, 2), Arrival("bg1-3", 2, 5, 2)],
            _layout, simulatedSeconds: 10, maxLiveFaults: 100, Now);

        Assert.Equal(["bg1-3"], step.Made.Select(f => f.Id));
        Assert.Equal(["bg1-3"], step.Brief.Select(f => f.Id)); // repaired at 7 s, within the step that ends at 10
        Assert.Equal(["bg1-3"], step.Ending.Select(f => f.Id));
        Assert.Empty(step.Adding);
        Assert.Equal(0, step.Dropped);

        var state = new FaultRegistryState { FailuresByCause = { ["xid-79"] = 2 } };
        step.Count(state);
        Assert.Equal(3, state.FailuresByCause["xid-79"]);
    }

    [Fact]
    public void AStepWithNothingRepairedAndNothingArrivingChangesNothing() =>
        Assert.False(BackgroundStep.Plan(new FaultBook(), [], [], _layout, simulatedSeconds: 10, maxLiveFaults: 10, Now).Changes);
}
