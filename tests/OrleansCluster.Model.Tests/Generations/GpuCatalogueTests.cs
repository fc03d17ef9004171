using OrleansCluster.Model.Generations;

namespace OrleansCluster.Model.Tests.Generations;

public sealed class GpuCatalogueTests
{
    [Theory]
    [InlineData("A100", 312, 80, 2.0, 600, 400)]
    [InlineData("H100", 989, 80, 3.35, 900, 700)]
    [InlineData("H200", 989, 141, 4.8, 900, 700)]
    [InlineData("B200", 2250, 192, 8.0, 1800, 1000)]
    [InlineData("GB200", 2500, 192, 8.0, 1800, 1200)]
    public void CatalogueHoldsTheDatasheetFiguresInSiUnits(string name, double tflops, double hbmGb, double hbmTbps, double nvlinkGBps, double tdp)
    {
        var g = GpuCatalogue.Default[name];

        Assert.Equal(tflops * 1e12, g.PeakFlopsPerSecond, 1e-6);
        Assert.Equal(hbmGb * 1e9, g.HbmBytes, 1e-6);
        Assert.Equal(hbmTbps * 1e12, g.HbmBandwidthBytesPerSecond, 1e-3);
        Assert.Equal(nvlinkGBps * 1e9, g.NvLinkBandwidthBytesPerSecond, 1e-6);
        Assert.Equal(tdp, g.TdpWatts);
    }

    [Fact]
    public void OverridesReplaceOrAddRowsWithoutTouchingTheDefault()
    {
        var custom = GpuCatalogue.Default.With([new GpuGeneration("H100", 1, 1, 1, 1, 1), new GpuGeneration("X1", 2, 2, 2, 2, 2)]);

        Assert.Equal(1, custom["H100"].PeakFlopsPerSecond);
        Assert.True(custom.TryGet("X1", out _));
        Assert.Equal(989e12, GpuCatalogue.Default["H100"].PeakFlopsPerSecond);
        Assert.False(GpuCatalogue.Default.TryGet("X1", out _));
    }
}
