using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Model.Tests.Simulation;

public sealed class QuantilesTests
{
    [Theory]
    [InlineData(0.0, 10.0)]
    [InlineData(0.25, 10.0)]
    [InlineData(0.26, 20.0)]
    [InlineData(0.50, 20.0)] // interpolation would give 25
    [InlineData(0.51, 30.0)]
    [InlineData(0.75, 30.0)]
    [InlineData(0.95, 40.0)] // interpolation would give 38.5
    [InlineData(1.0, 40.0)]
    public void NearestRankIsTheCeilingOfQTimesNThSmallestValue(double q, double expected) =>
        Assert.Equal(expected, Quantiles.NearestRank([10.0, 20.0, 30.0, 40.0], q));

    [Fact]
    public void P99OfAHundredValuesIsTheNinetyNinthAndOfFewerTheLargest()
    {
        var hundred = Enumerable.Range(1, 100).Select(i => (double)i).ToArray();
        Assert.Equal(99.0, Quantiles.NearestRank(hundred, 0.99));
        Assert.Equal(50.0, Quantiles.NearestRank(hundred, 0.50));

        // Under 100 values, p99 is the largest: ceil(0.99 n) = n.
        Assert.Equal(20.0, Quantiles.NearestRank([1.0, 2.0, 5.0, 20.0], 0.99));
    }

    [Fact]
    public void OneValueIsEveryQuantile()
    {
        Assert.Equal(7.0, Quantiles.NearestRank([7.0], 0));
        Assert.Equal(7.0, Quantiles.NearestRank([7.0], 0.5));
        Assert.Equal(7.0, Quantiles.NearestRank([7.0], 1));
    }

    [Fact]
    public void NoValuesOrAQuantileOutsideZeroToOneIsRefused()
    {
        Assert.Throws<ArgumentException>(() => Quantiles.NearestRank([], 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Quantiles.NearestRank([1.0], 99));
        Assert.Throws<ArgumentOutOfRangeException>(() => Quantiles.NearestRank([1.0], -0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Quantiles.NearestRank([1.0], double.NaN));
    }
}
