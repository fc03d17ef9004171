using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Model.Tests.Simulation;

public sealed class QuantileSketchTests
{
    [Fact]
    public void QuantilesAreWithinTheRelativeAccuracyOfTheExactOnes()
    {
        var random = new Random(11);
        var values = Enumerable.Range(0, 10_001).Select(_ => Math.Exp(random.NextDouble() * 8 - 4)).ToArray();
        var sketch = new QuantileSketch();
        foreach (var v in values)
        {
            sketch.Add(v);
        }

        Array.Sort(values);
        foreach (var q in new[] { 0.0, 0.1, 0.5, 0.9, 0.99, 1.0 })
        {
            var exact = values[(int)Math.Floor(q * (values.Length - 1))];
            Assert.InRange(sketch.Quantile(q), exact * (1 - QuantileSketch.RelativeAccuracy), exact * (1 + QuantileSketch.RelativeAccuracy));
        }
    }

    [Fact]
    public void MergedSketchesEqualOneSketchOfEverything()
    {
        var whole = new QuantileSketch();
        var left = new QuantileSketch();
        var right = new QuantileSketch();
        for (var i = 1; i <= 1000; i++)
        {
            whole.Add(i * 0.01);
            (i % 3 == 0 ? left : right).Add(i * 0.01);
        }

        var (first, counts) = right.Export();
        left.Merge(QuantileSketch.Import(first, counts));

        Assert.Equal(whole.Count, left.Count);
        foreach (var q in new[] { 0.01, 0.25, 0.5, 0.75, 0.99 })
        {
            Assert.Equal(whole.Quantile(q), left.Quantile(q));
        }
    }

    [Fact]
    public void CountAboveCountsValuesClearOfTheThreshold()
    {
        var sketch = new QuantileSketch();
        for (var i = 0; i < 90; i++)
        {
            sketch.Add(1.0);
        }

        for (var i = 0; i < 10; i++)
        {
            sketch.Add(1.5);
        }

        Assert.Equal(10, sketch.CountAbove(1.1));
        Assert.Equal(0, sketch.CountAbove(2));
        Assert.Equal(100, sketch.CountAbove(0.5));
    }

    [Fact]
    public void ClearedSketchIsEmptyAndReusable()
    {
        var sketch = new QuantileSketch();
        sketch.Add(3);
        sketch.Clear();
        Assert.True(double.IsNaN(sketch.Quantile(0.5)));
        sketch.Add(1e-3);
        sketch.Add(1e3);
        Assert.Equal(2, sketch.Count);
        Assert.Equal(1e-3, sketch.Quantile(0), 1e-6);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NaN)]
    public void RefusesValuesItCannotPlace(double value) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new QuantileSketch().Add(value));
}
