using OrleansCluster.Grains.Telemetry;

namespace OrleansCluster.Grains.Tests.Telemetry;

/// <summary>
/// Folding sites into <c>other</c> adds their series bucket by bucket: every series counts on the one lattice, so the
/// folded series is exactly the sum of the folded sites' (counts at every bucket, count, sum, and the stretch of both).
/// </summary>
public sealed class SiteFoldHistogramTests
{
    [Fact]
    public void TheOtherSeriesIsTheFoldedSitesSummedBucketByBucket()
    {
        var histograms = new NodeHistograms();
        var random = new Random(7);
        string[] sites = ["a", "b", "c", "d", "e"];
        foreach (var site in sites)
        {
            foreach (var generation in (string[])["H100", "A100"])
            {
                var buckets = new NodeHistograms.Buckets();
                for (var i = 0; i < 50; i++)
                {
                    buckets.Add(site == "e" ? 30 + random.NextDouble() : 0.5 + random.NextDouble()); // e's far from the others
                }

                histograms.AddCompute("s", site, generation, buckets);
            }
        }

        var fold = SiteFold.Of(sites, 2);
        var plain = histograms.Snapshot().Compute;
        var folded = histograms.Snapshot(fold).Compute;

        Assert.Equal(["a", "b", "other"], folded.Select(s => s.Site).Distinct().Order(StringComparer.Ordinal));
        foreach (var generation in (string[])["H100", "A100"])
        {
            var parts = plain.Where(s => s.Generation == generation && s.Site is "c" or "d" or "e").Select(s => s.Series).ToArray();
            var other = folded.Single(s => s.Site == "other" && s.Generation == generation).Series;
            Assert.Equal(Enumerable.Range(0, other.Counts.Length).Select(i => parts.Sum(p => p.Counts[i])), other.Counts);
            Assert.Equal(parts.Sum(p => p.Count), other.Count);
            Assert.Equal(parts.Sum(p => p.Sum), other.Sum, 9);
            Assert.Equal(parts.Min(p => p.From), other.From);
            Assert.Equal(parts.Max(p => p.To), other.To);
            Assert.Equal(plain.Single(s => s.Site == "a" && s.Generation == generation).Series.Counts, folded.Single(s => s.Site == "a" && s.Generation == generation).Series.Counts);
        }
    }

    [Fact]
    public void ASiteOfTheScenarioNamedOtherIsFoldedWithTheRestAndNothingWithinTheCapIs()
    {
        Assert.False(SiteFold.Of(["a", "b"], 2).Folds);
        var fold = SiteFold.Of(["other", "a", "b"], 2);
        string[] names = ["a", "b", "other"];
        Assert.Equal(names, names.Select(fold.Label));
        Assert.False(fold.Keeps("other"));
    }
}
