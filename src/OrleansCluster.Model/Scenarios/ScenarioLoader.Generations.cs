using System.Globalization;
using OrleansCluster.Model.Generations;

namespace OrleansCluster.Model.Scenarios;

// generations: the scenario's own rows, joined to the built-in GPU catalogue (GpuCatalogue.With).
public static partial class ScenarioLoader
{
    // Upper bounds on a generation's figures: a thousand times the largest datasheet figure or more (GB200: 2,500
    // TFLOPS, 192 GB, 8 TB/s, 1,800 GB/s, 1,200 W), so any GPU to come fits, yet sums over every GPU of a scenario and
    // the compute time W / (P u) stay finite numbers.
    private const double MaxPeakTflops = 1e6;
    private const double MinPeakTflops = 1e-3; // a GFLOP/s: slower than any accelerator, yet W / (P u) stays finite
    private const double MaxHbmGb = 1e6;
    private const double MaxHbmTbps = 1e4;
    private const double MaxNvlinkGBps = 1e6;
    private const double MaxTdpWatts = 1e5;

    private static GpuCatalogue ReadGenerations(List<GenerationDocument?>? documents, Action<string, string> fail)
    {
        if (documents is null)
        {
            return GpuCatalogue.Default;
        }

        var rows = new List<GpuGeneration>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < documents.Count; i++)
        {
            var path = $"generations[{i}]";
            var g = documents[i];
            if (g is null)
            {
                fail(path, "required");
                continue;
            }

            if (string.IsNullOrWhiteSpace(g.Name) || !NamePattern().IsMatch(g.Name))
            {
                fail($"{path}.name", "required: 1-64 characters of a-z, A-Z, 0-9, '-', '_' or '.'");
                continue;
            }

            if (!seen.Add(g.Name))
            {
                fail($"{path}.name", $"duplicate generation '{g.Name}'");
                continue;
            }

            GpuCatalogue.Default.TryGet(g.Name, out var known);
            double Field(double? value, double? inherited, string field, double scale, double min, double max)
            {
                var v = value ?? (inherited / scale);
                if (v is null)
                {
                    fail($"{path}.{field}", "required for a generation the catalogue does not have");
                    return 0;
                }

                if (!(v >= min && v <= max))
                {
                    fail($"{path}.{field}", string.Create(CultureInfo.InvariantCulture, $"{v} must be within [{(min == 0 ? "0" : min.ToString("0e0", CultureInfo.InvariantCulture))}, {max:0e0}]"));
                    return 0;
                }

                return v.Value * scale;
            }

            rows.Add(new GpuGeneration(
                g.Name,
                Field(g.PeakTflops, known?.PeakFlopsPerSecond, "peakTflops", 1e12, MinPeakTflops, MaxPeakTflops),
                Field(g.HbmGb, known?.HbmBytes, "hbmGb", 1e9, 0, MaxHbmGb),
                Field(g.HbmTbps, known?.HbmBandwidthBytesPerSecond, "hbmTbps", 1e12, 0, MaxHbmTbps),
                Field(g.NvlinkGBps, known?.NvLinkBandwidthBytesPerSecond, "nvlinkGBps", 1e9, 0, MaxNvlinkGBps),
                Field(g.TdpWatts, known?.TdpWatts, "tdpWatts", 1, 0, MaxTdpWatts)));
        }

        return GpuCatalogue.Default.With(rows);
    }
}
