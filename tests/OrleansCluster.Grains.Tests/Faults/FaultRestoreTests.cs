using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Faults;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Tests.Faults;

/// <summary>Stored live faults taken back into the book, without a silo: kept, clamped, ended already, stored twice or gone.</summary>
public sealed class FaultRestoreTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);
    private readonly ClusterLayout _layout = new(ScenarioLoader.Parse(Scenarios.TwoSites()));

    private Fault Made(string id, FaultRequest request)
    {
        var (passed, errors, _) = FaultIntake.Check([request], alone: true, _layout);
        Assert.Empty(errors);
        return FaultIntake.Make(id, passed[0].Request, passed[0].Fault, Now, campaign: null);
    }

    private FaultRequest Slow(int node) => new("node.slowdown", new FaultTargetRequest(Node: _layout.Nodes[node].Id), new Dictionary<string, double> { ["factor"] = 2 });

    [Fact]
    public void EachStoredFaultIsKeptClampedFoundEndedOrDroppedAndSaidSoInOrder()
    {
        var book = new FaultBook();
        var throttle = Made("f-000002", new FaultRequest("node.thermal-throttle", new FaultTargetRequest(Node: _layout.Nodes[1].Id), new Dictionary<string, double> { ["clockRatio"] = 0.5 }));
        var site = FaultIntake.Stored(Made("f-000005", Slow(0) with { Target = new FaultTargetRequest(Site: "b") }));
        Fault[] stored =
        [
            Made("f-000001", Slow(0)),
            throttle with { Params = new Dictionary<string, double> { ["clockRatio"] = 0.01 } }, // stored by a build that allowed it
            Made("f-000003", Slow(2)),
            Made("f-000001", Slow(3)),
            site with { Target = new FaultTargetRequest(Site: "gone") },
            site,
        ];

        var restored = FaultRestore.Into(book, stored, new HashSet<string>(["f-000003"], StringComparer.Ordinal), _layout);

        Assert.Equal(["f-000001", "f-000002", "f-000003", "f-000001", "f-000005", "f-000005"], restored.Select(r => r.Id));
        Assert.Equal((null, null, null, false), (restored[0].Clamped, restored[0].EndedAlready, restored[0].Problems, restored[0].Rewrite));
        Assert.Equal(new FaultRestore.Clamp(0.01, 0.05), restored[1].Clamped);
        Assert.True(restored[1].Rewrite);
        Assert.Equal(0.05, book.Find("f-000002")!.Params["clockRatio"]);
        Assert.Equal([_layout.Nodes[2].Id], restored[2].EndedAlready!.Targets.Nodes); // told again, not kept
        Assert.True(restored[2].Rewrite);
        Assert.Equal("stored twice; the first is kept", restored[3].Problems);
        Assert.Contains("target.site", restored[4].Problems, StringComparison.Ordinal);
        Assert.False(restored[4].Rewrite);
        Assert.Null(restored[5].Problems);
        Assert.Equal(_layout.Nodes.Count(n => n.SiteIndex == 1), book.Find("f-000005")!.Targets.Nodes.Count); // the site's nodes picked again
        Assert.Equal(["f-000001", "f-000002", "f-000005"], book.Faults.Select(f => f.Id));
    }
}
