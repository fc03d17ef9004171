using System.Collections.Frozen;

namespace OrleansCluster.Model.Generations;

/// <summary>
/// The GPU generations a scenario can name. The built-in rows are the public datasheet figures of
/// DESIGN.md section 1 (dense BF16, per GPU); a scenario may add or override rows.
/// </summary>
public sealed class GpuCatalogue
{
    private const double Tera = 1e12;
    private const double Giga = 1e9;

    private readonly FrozenDictionary<string, GpuGeneration> _byName;

    private GpuCatalogue(IEnumerable<GpuGeneration> generations)
    {
        _byName = generations.ToFrozenDictionary(g => g.Name, StringComparer.Ordinal);
    }

    /// <summary>
    /// The datasheet catalogue: A100, H100, H200, B200, GB200 (SXM parts). The telemetry profile (device
    /// name, clocks, slowdown temperature, idle power) drives the dcgm-compatible series; those figures are
    /// typical values reported by nvidia-smi for these parts, approximate and documented as such. The framebuffer
    /// totals are nvidia-smi's own readings (docs/telemetry.md names the sources); GB200's is taken as B200's.
    /// </summary>
    public static GpuCatalogue Default { get; } = new(
    [
        new("A100", 312 * Tera, 80 * Giga, 2.0 * Tera, 600 * Giga, 400)
        {
            ModelName = "NVIDIA A100-SXM4-80GB", MaxSmClockMhz = 1410, MemoryClockMhz = 1593, SlowdownTemperatureC = 89, IdleWatts = 60, FramebufferMiB = 81_920,
        },
        new("H100", 989 * Tera, 80 * Giga, 3.35 * Tera, 900 * Giga, 700)
        {
            ModelName = "NVIDIA H100 80GB HBM3", MaxSmClockMhz = 1980, MemoryClockMhz = 2619, SlowdownTemperatureC = 87, IdleWatts = 70, FramebufferMiB = 81_559,
        },
        new("H200", 989 * Tera, 141 * Giga, 4.8 * Tera, 900 * Giga, 700)
        {
            ModelName = "NVIDIA H200", MaxSmClockMhz = 1980, MemoryClockMhz = 3201, SlowdownTemperatureC = 87, IdleWatts = 75, FramebufferMiB = 143_771,
        },
        new("B200", 2250 * Tera, 192 * Giga, 8.0 * Tera, 1800 * Giga, 1000)
        {
            ModelName = "NVIDIA B200", MaxSmClockMhz = 1965, MemoryClockMhz = 3996, SlowdownTemperatureC = 88, IdleWatts = 140, FramebufferMiB = 183_359,
        },
        new("GB200", 2500 * Tera, 192 * Giga, 8.0 * Tera, 1800 * Giga, 1200)
        {
            ModelName = "NVIDIA GB200", MaxSmClockMhz = 2062, MemoryClockMhz = 3996, SlowdownTemperatureC = 88, IdleWatts = 150, FramebufferMiB = 183_359,
        },
    ]);

    /// <summary>Every generation, in name order.</summary>
    public IEnumerable<GpuGeneration> All => _byName.Values.OrderBy(g => g.Name, StringComparer.Ordinal);

    /// <summary>Looks a generation up by its exact (case-sensitive) name.</summary>
    public bool TryGet(string name, out GpuGeneration generation) => _byName.TryGetValue(name, out generation!);

    /// <summary>The generation called <paramref name="name"/>; throws when the catalogue lacks it.</summary>
    public GpuGeneration this[string name] =>
        _byName.TryGetValue(name, out var generation)
            ? generation
            : throw new KeyNotFoundException($"unknown generation '{name}'");

    /// <summary>A new catalogue with <paramref name="overrides"/> added or replacing rows of the same name.</summary>
    public GpuCatalogue With(IEnumerable<GpuGeneration> overrides)
    {
        var merged = _byName.ToDictionary(StringComparer.Ordinal);
        foreach (var generation in overrides)
        {
            merged[generation.Name] = generation;
        }

        return new GpuCatalogue(merged.Values);
    }
}
