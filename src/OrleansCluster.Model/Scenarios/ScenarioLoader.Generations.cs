using OrleansCluster.Model.Generations;

namespace OrleansCluster.Model.Scenarios;

// generations: the scenario's own rows, joined to the built-in GPU catalogue (GpuCatalogue.With).
public static partial class ScenarioLoader
{
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
            double Field(double? value, double? inherited, string field, double scale, bool positive)
            {
                var v = value ?? (inherited / scale);
                if (v is null)
                {
                    fail($"{path}.{field}", "required for a generation the catalogue does not have");
                    return 0;
                }

                if (positive ? !(v > 0) : !(v >= 0))
                {
                    fail($"{path}.{field}", $"{v} must be {(positive ? "> 0" : ">= 0")}");
                }

                return v.Value * scale;
            }

            rows.Add(new GpuGeneration(
                g.Name,
                Field(g.PeakTflops, known?.PeakFlopsPerSecond, "peakTflops", 1e12, positive: true),
                Field(g.HbmGb, known?.HbmBytes, "hbmGb", 1e9, positive: false),
                Field(g.HbmTbps, known?.HbmBandwidthBytesPerSecond, "hbmTbps", 1e12, positive: false),
                Field(g.NvlinkGBps, known?.NvLinkBandwidthBytesPerSecond, "nvlinkGBps", 1e9, positive: false),
                Field(g.TdpWatts, known?.TdpWatts, "tdpWatts", 1, positive: false)));
        }

        return GpuCatalogue.Default.With(rows);
    }
}
