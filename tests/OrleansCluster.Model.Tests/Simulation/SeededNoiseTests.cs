using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Model.Tests.Simulation;

public sealed class SeededNoiseTests
{
    [Fact]
    public void DrawsArePureFunctionsOfSeedStreamAndStep()
    {
        var stream = SeededNoise.StreamKey("west-00007");

        Assert.Equal(SeededNoise.StandardNormal(42, stream, 1000), SeededNoise.StandardNormal(42, stream, 1000));
        Assert.NotEqual(SeededNoise.StandardNormal(42, stream, 1000), SeededNoise.StandardNormal(43, stream, 1000));
        Assert.NotEqual(SeededNoise.StandardNormal(42, stream, 1000), SeededNoise.StandardNormal(42, stream, 1001));
        Assert.NotEqual(stream, SeededNoise.StreamKey("west-00008"));
    }

    [Fact]
    public void StreamKeysAreStableAcrossProcesses() =>
        // FNV-1a 64 of "a" is a published test vector: 0xaf63dc4c8601ec8c.
        Assert.Equal(0xaf63dc4c8601ec8cUL, SeededNoise.StreamKey("a"));

    [Fact]
    public void StandardNormalsHaveMeanZeroVarianceOneAndNormalTails()
    {
        const int n = 200_000;
        double sum = 0, sumSquares = 0;
        var beyondTwoSigma = 0;
        for (var i = 0; i < n; i++)
        {
            var z = SeededNoise.StandardNormal(7, 99, i);
            sum += z;
            sumSquares += z * z;
            beyondTwoSigma += Math.Abs(z) > 1.959964 ? 1 : 0;
        }

        var mean = sum / n;
        var variance = (sumSquares / n) - (mean * mean);
        // Standard errors at n = 200,000: mean 0.0022, variance 0.0032, tail share 0.00049; allow 4 of them.
        Assert.InRange(mean, -0.009, 0.009);
        Assert.InRange(variance, 0.987, 1.013);
        Assert.InRange(beyondTwoSigma / (double)n, 0.05 - 0.002, 0.05 + 0.002);
    }

    [Fact]
    public void LogNormalFactorHasMedianOneAndTheAskedCoefficientOfVariation()
    {
        const int n = 100_000;
        const double cv = 0.05;
        var draws = new double[n];
        for (var i = 0; i < n; i++)
        {
            draws[i] = SeededNoise.LogNormalFactor(3, 5, i, cv);
        }

        Array.Sort(draws);
        var mean = draws.Average();
        var sd = Math.Sqrt(draws.Select(d => (d - mean) * (d - mean)).Average());
        // Median of a log-normal with mu = 0 is 1; its mean is exp(sigma^2 / 2) = sqrt(1 + cv^2).
        Assert.Equal(1.0, draws[n / 2], 0.001);
        Assert.Equal(Math.Sqrt(1 + (cv * cv)), mean, 0.001);
        Assert.Equal(cv, sd / mean, 0.002);
        Assert.Equal(1.0, SeededNoise.LogNormalFactor(3, 5, 1, 0));
    }

    [Theory]
    [InlineData(0.0, 0.0, 1.0)]
    [InlineData(0.03, 0.0, 1.0)]
    [InlineData(0.05, 0.01, 3.0)]
    [InlineData(0.0, 0.2, 2.0)]
    public void DrawsWithTheirConstantsWorkedOutOnceAreTheModelsTimesBitForBit(double cv, double outlierProbability, double outlierFactor)
    {
        var draws = new ComputeDraws(cv, outlierProbability, outlierFactor);
        var random = new Random(11);
        for (var i = 0; i < 20_000; i++)
        {
            var nominal = 0.5 + random.NextDouble();
            var slowdown = 1 + (3 * random.NextDouble());
            var stream = (ulong)random.NextInt64();
            var step = random.NextInt64(1, 1_000_000);
            var expected = ComputeModel.ComputeSeconds(nominal, slowdown, 42, stream, step, cv, outlierProbability, outlierFactor);
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(draws.Seconds(nominal, slowdown, 42, stream, step)));
        }
    }
}
