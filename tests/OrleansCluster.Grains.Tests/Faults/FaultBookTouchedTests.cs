using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Faults;

namespace OrleansCluster.Grains.Tests.Faults;

/// <summary>Which targets a pass recomputes, without a silo.</summary>
public sealed class FaultBookTouchedTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);

    private static Fault Make(string id, string[] nodes, string[] links, double startIn = 0) =>
        new(id, FaultKind.NodeSlowdown, new FaultTargetRequest(), new Dictionary<string, double> { ["factor"] = 2 }, startIn, null, FaultState.Active, Now,
            Now.AddSeconds(startIn), null, new FaultTargets(nodes, links, []), null);

    [Fact]
    public void APassRecomputesTheChangedFaultsTargetsAndThoseOfFaultsThatStartedSinceTheLastOnlyOnce()
    {
        var book = new FaultBook();
        book.Add(Make("f-1", ["a-1"], [])); // in force since before the last pass: untouched
        book.Add(Make("f-2", ["a-2", "a-3"], ["a-b"], startIn: 5));

        var (nodes, links) = book.Touched([Make("f-3", ["a-3", "a-4"], [])], Now.AddSeconds(1), Now.AddSeconds(6));

        Assert.Equal(["a-2", "a-3", "a-4"], nodes.Order(StringComparer.Ordinal));
        Assert.Equal(["a-b"], links);
    }
}
