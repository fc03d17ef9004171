using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Faults;

namespace OrleansCluster.Grains.Tests.Faults;

/// <summary>The registry's reads without a silo: live faults as they stand at the time given, and the ended ones.</summary>
public sealed class FaultReadsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);

    private static Fault Make(string id, string[] nodes, string[] links, double startIn = 0, FaultState state = FaultState.Active) =>
        new(id, FaultKind.NodeSlowdown, new FaultTargetRequest(), new Dictionary<string, double> { ["factor"] = 2 }, startIn, 60, state, Now,
            Now.AddSeconds(startIn), Now.AddSeconds(startIn + 60), new FaultTargets(nodes, links, []), null);

    [Fact]
    public void LiveFaultsReadAsTheyStandNowAndTheEndedOnesOnlyWhenAskedOrderedById()
    {
        var book = new FaultBook();
        book.Add(Make("f-000003", ["a-1"], [], startIn: 30, state: FaultState.Pending));
        book.Add(Make("f-000001", ["a-1"], ["a-b"]));
        Fault[] history = [Make("f-000002", ["a-2"], [], state: FaultState.Cleared)];

        Assert.Equal(["f-000001", "f-000003"], FaultReads.List(book, history, includeEnded: false, Now).Select(f => f.Id));
        Assert.Equal(["f-000001", "f-000002", "f-000003"], FaultReads.List(book, history, includeEnded: true, Now).Select(f => f.Id));
        Assert.Equal(FaultState.Active, FaultReads.Find(book, history, "f-000003", Now.AddSeconds(31))!.State); // started since it was made
        Assert.Equal(FaultState.Expired, FaultReads.Find(book, history, "f-000001", Now.AddSeconds(60))!.State); // its end passed, the timer not run yet
        Assert.Equal(FaultState.Cleared, FaultReads.Find(book, history, "f-000002", Now)!.State);
        Assert.Null(FaultReads.Find(book, history, "f-000009", Now));
    }

    [Fact]
    public void FaultsAreReadByNodeAndByLink()
    {
        var book = new FaultBook();
        book.Add(Make("f-000001", ["a-1"], ["a-b"]));
        book.Add(Make("f-000002", ["a-1", "a-2"], []));

        Assert.Equal(["f-000001", "f-000002"], FaultReads.OnNode(book, "a-1", Now).Select(f => f.Id));
        Assert.Empty(FaultReads.OnNode(book, "a-9", Now));
        Assert.Equal(["f-000001"], FaultReads.OnLink(book, "a-b", Now).Select(f => f.Id));
        var byLink = FaultReads.ByLink(book, Now);
        Assert.Equal(["a-b"], byLink.Keys);
        Assert.Equal("f-000001", Assert.Single(byLink["a-b"]).Id);
    }
}
