using OrleansCluster.Grains.Telemetry;

namespace OrleansCluster.Grains.Tests.Telemetry;

/// <summary>The bucket a value falls in, found from the grid's formula, against the definition: the least k with value &lt;= Bounds[k].</summary>
public sealed class BucketLatticeTests
{
    [Fact]
    public void EveryBoundAndItsNeighboursFallWhereTheDefinitionPutsThem()
    {
        var bounds = BucketLattice.Bounds;
        foreach (var bound in bounds)
        {
            foreach (var value in new[] { bound, Math.BitDecrement(bound), Math.BitIncrement(bound), bound * 0.9999, bound * 1.0001, bound * 1.01 })
            {
                Assert.Equal(ByDefinition(value), BucketLattice.BucketOf(value));
            }
        }
    }

    [Fact]
    public void ValuesSpreadOverTheWholeGridAndBeyondItFallWhereTheDefinitionPutsThem()
    {
        var random = new Random(7);
        for (var i = 0; i < 200_000; i++)
        {
            var value = Math.Pow(10, -8 + (14 * random.NextDouble()));
            Assert.Equal(ByDefinition(value), BucketLattice.BucketOf(value));
        }

        foreach (var value in new[] { 0, -1, double.Epsilon, 1e-300, double.PositiveInfinity, double.MaxValue, double.NaN, double.NegativeInfinity })
        {
            Assert.Equal(ByDefinition(value), BucketLattice.BucketOf(value));
        }

        Assert.Equal(0, BucketLattice.BucketOf(0));
        Assert.Equal(BucketLattice.Bounds.Count, BucketLattice.BucketOf(double.PositiveInfinity));
        Assert.Equal(BucketLattice.Bounds.Count, BucketLattice.BucketOf(double.NaN));
    }

    private static int ByDefinition(double value)
    {
        var bounds = BucketLattice.Bounds;
        for (var k = 0; k < bounds.Count; k++)
        {
            if (value <= bounds[k])
            {
                return k;
            }
        }

        return bounds.Count;
    }
}
