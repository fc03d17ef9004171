using System.Text.Json.Nodes;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.WhatIf;

namespace OrleansCluster.Model.Tests.WhatIf;

/// <summary>
/// A plan within its host's bounds: the baseline and each variant no larger than the host takes (a load's size check,
/// on counts from the parsed scenario), and no variant given the checks that may lay it out node by node while the
/// variants' nodes together are past what the host allows.
/// </summary>
public sealed class WhatIfBoundsTests
{
    // Two sites of two nodes: 4 nodes.
    private const string FourNodes = """
        {
          "name": "four", "seed": 5,
          "job": { "flopsPerGpuPerStep": 4e14, "gradientBytes": 1e9, "mfu": 0.4 },
          "sites": [
            { "name": "a", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 0 }, "nodes": [ { "generation": "H100", "count": 2 } ] },
            { "name": "b", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 0 }, "nodes": [ { "generation": "H100", "count": 2 } ] }
          ],
          "links": [ { "from": "a", "to": "b", "distanceKm": 100, "bandwidthGbps": 800 } ],
          "noise": { "computeCv": 0.1, "nodeCv": 0.05 }
        }
        """;

    [Fact]
    public void AVariantLargerThanTheBoundIsRefusedNamingItsSites()
    {
        var bigger = new WhatIfVariant("bigger", JsonNode.Parse("""{ "sites": [ { "name": "a", "fabric": { "bandwidthGbps": 400 }, "nodes": [ { "generation": "H100", "count": 5 } ] } ], "links": [] }""")!.AsObject());

        var plan = WhatIfEvaluator.Plan(FourNodes, [WhatIfVariant.Baseline, bigger], AtMost(4), long.MaxValue);

        Assert.True(plan.Checked);
        Assert.NotNull(plan.Variants[0].Scenario);
        Assert.Null(plan.Variants[1].Scenario);
        Assert.Equal("variants[1].patch.sites", Assert.Single(plan.Variants[1].RequestErrors()).Field);
        Assert.Equal("5 nodes, more than 4", plan.Variants[1].Errors[0].Message);
        Assert.Equal(4, plan.Nodes); // the refused variant is not counted as work
    }

    [Fact]
    public void ABaselineLargerThanTheBoundPlansNoVariantAndCannotBeEvaluated()
    {
        var plan = WhatIfEvaluator.Plan(FourNodes, [WhatIfVariant.Baseline, new("alone", Change: "drop-site:b"), new("standard", Change: NamedChanges.Standard)], AtMost(3), long.MaxValue);

        Assert.Equal("sites", plan.BaselineError?.Field);
        Assert.Empty(plan.Variants);
        Assert.False(plan.Checked);
        Assert.Throws<ArgumentException>(() => WhatIfEvaluator.Evaluate(plan, 1, WhatIfObjective.UsefulFlops, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void VariantsPastTheTotalAreNotGivenTheChecksThatLayThemOut()
    {
        // A barrier no step could make: the completion check, which lays the nodes out (nodeCv > 0), refuses it.
        var never = new WhatIfVariant("never", JsonNode.Parse("""{ "job": { "barrierTimeoutSeconds": 1e-300 } }""")!.AsObject());

        var within = WhatIfEvaluator.Plan(FourNodes, [WhatIfVariant.Baseline, never], AtMost(4), maxTotalNodes: 8);
        var past = WhatIfEvaluator.Plan(FourNodes, [WhatIfVariant.Baseline, never], AtMost(4), maxTotalNodes: 7);

        Assert.True(within.Checked);
        Assert.Equal("job.barrierTimeoutSeconds", Assert.Single(within.Variants[1].Errors).Field);
        Assert.False(past.Checked);
        Assert.Empty(past.Variants[1].Errors);
        Assert.Equal(8, past.Nodes); // what the host refuses as work
        Assert.Throws<ArgumentException>(() => WhatIfEvaluator.Evaluate(past, 1, WhatIfObjective.UsefulFlops, TestContext.Current.CancellationToken));
    }

    private static Func<Scenario, ScenarioError?> AtMost(long nodes) => scenario =>
        ScenarioLoader.CountNodes(scenario) is var count && count > nodes ? new ScenarioError("sites", $"{count} nodes, more than {nodes}") : null;
}
