using OrleansCluster.Model.Faults;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Model.Tests.Faults;

public sealed class FaultValidatorTests
{
    // 40 H100 nodes and 10 A100 nodes at one site "dc".
    private static readonly ClusterLayout Layout = new(TestScenarios.Uniform(40, extraGroups: """, { "generation": "A100", "count": 10 }"""));

    private static readonly Dictionary<string, double> Factor2 = new() { ["factor"] = 2 };

    [Fact]
    public void AFaultOnOneNodeResolvesToItWithItsParametersAndDefaultsFilled()
    {
        var (fault, errors) = FaultValidator.Check(new FaultSpec("link.latency", new FaultTarget(Link: "none"), new Dictionary<string, double> { ["addMilliseconds"] = 1 }, null, null), Layout);
        Assert.Null(fault);
        Assert.Equal("target.link", Assert.Single(errors).Field);
        Assert.True(errors[0].NotFound);

        (fault, errors) = FaultValidator.Check(new FaultSpec("node.slowdown", new FaultTarget(Node: "dc-00003"), Factor2, 5, 60), Layout);
        Assert.Empty(errors);
        Assert.Equal(FaultKind.NodeSlowdown, fault!.Kind);
        Assert.Equal(["dc-00003"], fault.Targets.Nodes);
        Assert.Equal(2, fault.Params["factor"]);
    }

    [Theory]
    [InlineData("node.melt", null, "kind")]
    [InlineData("node.slowdown", 0.5, "params.factor")]
    [InlineData("node.slowdown", 1001.0, "params.factor")]
    [InlineData("node.slowdown", double.NaN, "params.factor")]
    public void WrongKindsAndOutOfRangeParametersAreRefusedNamingTheField(string kind, double? factor, string field)
    {
        var parameters = factor is { } f ? new Dictionary<string, double> { ["factor"] = f } : Factor2;

        var (fault, errors) = FaultValidator.Check(new FaultSpec(kind, new FaultTarget(Node: "dc-00001"), parameters, null, null), Layout);

        Assert.Null(fault);
        Assert.Equal(field, Assert.Single(errors).Field);
        Assert.False(errors[0].NotFound);
    }

    [Fact]
    public void ASelectorPicksTheSameNodesEveryTimeFromTheGenerationItNames()
    {
        var spec = new FaultSpec("node.slowdown", new FaultTarget(Site: "dc", Generation: "A100", Fraction: 0.5), Factor2, null, null);

        var first = FaultValidator.Check(spec, Layout).Fault!;
        var again = FaultValidator.Check(spec, new ClusterLayout(TestScenarios.Uniform(40, extraGroups: """, { "generation": "A100", "count": 10 }"""))).Fault!;

        Assert.Equal(5, first.Targets.Nodes.Count);
        Assert.Equal(first.Targets.Nodes, again.Targets.Nodes);
        Assert.All(first.Targets.Nodes, n => Assert.Equal("A100", Layout.Nodes[Layout.OrdinalOf(n)].Generation.Name));
        var tooMany = FaultValidator.Check(spec with { Target = new FaultTarget(Generation: "A100", Count: 11) }, Layout);
        Assert.Equal("target.count", Assert.Single(tooMany.Errors).Field);
    }

    [Fact]
    public void TimesOutOfRangeAreRefusedNamingThem()
    {
        var (_, errors) = FaultValidator.Check(new FaultSpec("node.crash", new FaultTarget(Node: "dc-00001"), null, -1, 0), Layout);

        Assert.Equal(["startInSeconds", "durationSeconds"], errors.Select(e => e.Field));
    }
}
