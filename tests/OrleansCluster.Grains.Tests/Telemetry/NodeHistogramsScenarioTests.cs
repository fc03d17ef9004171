using Microsoft.Extensions.Time.Testing;
using OrleansCluster.Grains.Telemetry;

namespace OrleansCluster.Grains.Tests.Telemetry;

/// <summary>
/// The node histograms keep the running scenario's series: another scenario's first counts replace them, but the
/// replaced scenario's last barrier waits, which a block records after its answer, do not take the page back.
/// </summary>
public sealed class NodeHistogramsScenarioTests
{
    private static NodeHistograms.Buckets Counts(params double[] values)
    {
        var buckets = new NodeHistograms.Buckets();
        foreach (var v in values)
        {
            buckets.Add(v);
        }

        return buckets;
    }

    private static string[] Scenarios(NodeHistograms histograms)
    {
        var (compute, wait) = histograms.Snapshot();
        return [.. compute.Concat(wait).Select(s => s.Scenario).Distinct().Order(StringComparer.Ordinal)];
    }

    [Fact]
    public void TheReplacedScenariosLastWaitsDoNotDropTheNewOnesSeriesButALaterLoadOfItsNameIsTaken()
    {
        var time = new FakeTimeProvider();
        var histograms = new NodeHistograms(time);
        histograms.AddCompute("old", "west", "H100", Counts(1.0, 1.1));
        histograms.AddWait("old", "west", "H100", Counts(0.1));

        histograms.AddCompute("new", "east", "B200", Counts(2.0));
        histograms.AddWait("old", "west", "H100", Counts(0.2)); // a block of the old scenario, its draw ahead late
        Assert.Equal(["new"], Scenarios(histograms));
        Assert.Equal(1, histograms.Snapshot().Compute.Single().Series.Count);

        // A load of the old name again, later: its counts replace the other's.
        time.Advance(NodeHistograms.StragglersOfTheReplaced);
        histograms.AddCompute("old", "west", "H100", Counts(1.2));
        Assert.Equal(["old"], Scenarios(histograms));
    }
}
