using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Model.Tests.Simulation;

public sealed class AllReduceModelTests
{
    [Fact]
    public void OneSiteAllReduceIsTheAlphaBetaRing()
    {
        // Ring all-reduce of G bytes over n ranks (alpha-beta model): 2(n-1)/n * G/B + 2(n-1) * alpha.
        // With one site, reduce-scatter plus all-gather must equal it: n = 8, G = 1 GB, B = 50 GB/s, alpha = 2 us.
        var intra = AllReduceModel.IntraSiteSeconds(8, 1e9, 50e9, 2e-6);
        var comm = AllReduceModel.CommSeconds(intra, AllReduceModel.InterSiteSeconds(1, 1e9, 1, 1));

        Assert.Equal((2 * 7.0 / 8 * 0.02) + (2 * 7 * 2e-6), comm, 12);
        Assert.Equal(0.035028, comm, 9);
    }

    [Fact]
    public void InterSiteRingUsesTheSlowestAndLongestLink()
    {
        // m = 3 sites: 2 * 2/3 * G / min C + 4 * max L = 4/3 * 10 GB / 100 GB/s + 4 * 1 ms.
        var tx = AllReduceModel.InterSiteSeconds(3, 10e9, 100e9, 1e-3);

        Assert.Equal((4.0 / 3 * 0.1) + 0.004, tx, 12);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void ASiteOfOneNodeOrNoneSpendsNothingInside(int nodes) =>
        Assert.Equal(0, AllReduceModel.IntraSiteSeconds(nodes, 1e9, 50e9, 2e-6));

    [Fact]
    public void OverlapHidesItsShareOfCommunication() =>
        Assert.Equal(1.0 + (0.25 * 0.4), AllReduceModel.StepSeconds(1.0, 0.4, 0.75), 12);

    [Theory]
    [InlineData(1.0, 7.3, 1.0, 7.3)] // fully overlapped, communication longer than compute: the all-reduce sets the step
    [InlineData(1.0, 4.0, 0.5, 4.0)] // half of 4 s would hide, but 1 s of compute covers only 1 s of it: 1 + 3
    [InlineData(2.0, 4.0, 0.5, 4.0)] // exactly covered: DESIGN's formula and this one agree
    [InlineData(0.0, 1.0, 1.0, 1.0)] // no compute at all hides nothing
    public void CommunicationHidesOnlyBehindComputeSoAStepNeverTakesLessThanItsAllReduce(double compute, double comm, double overlap, double expected)
    {
        var step = AllReduceModel.StepSeconds(compute, comm, overlap);
        Assert.Equal(expected, step, 12);
        Assert.True(step >= comm && step >= compute);
    }

    [Fact]
    public void BillionsOfCollectivesPayTheirLatencyWithoutWrapping() =>
        // 2 * 2^31 collectives wrap an int to a negative count; the term must stay 2 K (m-1) L / H.
        Assert.Equal(2 * 4.375e9 * 387.5e-6, AllReduceModel.InterSiteLatencySeconds(2, 4_375_000_000L, 387.5e-6, 1), 1e-6);
}
