using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Model.Tests.Simulation;

public sealed class ClusterLayoutTests
{
    [Theory]
    [InlineData(512)]
    [InlineData(37)]
    [InlineData(1)]
    public void ANodeIdAloneNamesTheBlockTheLayoutPutsItIn(int blockSize)
    {
        // colossus: site names with dashes, sites of uneven size, several generation groups per site.
        var layout = new ClusterLayout(ScenarioPresets.Load("colossus"), blockSize);

        foreach (var block in layout.Blocks)
        {
            for (var i = block.FirstNode; i < block.FirstNode + block.NodeCount; i++)
            {
                Assert.Equal(block.Id, ClusterLayout.BlockOf(layout.Nodes[i].Id, blockSize));
            }
        }
    }

    [Theory]
    [InlineData("west")]
    [InlineData("-00001")]
    [InlineData("west-")]
    [InlineData("west-0x1")]
    [InlineData("west-+1")]
    public void AnIdNotOfTheNodeFormNamesNoBlock(string id) => Assert.Null(ClusterLayout.BlockOf(id, 512));
}
