using OrleansCluster.Model.Faults;

namespace OrleansCluster.Model.Failures;

/// <summary>
/// The shipped cause tables (docs/failures.md cites every number). <c>llama3</c>: the 419 unexpected interruptions
/// of Llama 3 405B's 54-day pre-training on 16,384 H100 by root cause (Llama 3 paper, 2024, Table 5), each as a rate
/// per GPU-hour. <c>falcon</c>: fail-slow episodes (slow GPUs, CPU contention, throttling, congested links) whose
/// durations follow the FALCON characterization (tens of seconds to nearly ten hours); its rates are assumptions.
/// </summary>
public static class FailurePresets
{
    /// <summary>GPU-hours of the Llama 3 window: 54 days x 24 h x 16,384 GPUs.</summary>
    public const double Llama3GpuHours = 54.0 * 24 * 16_384;

    // Assumption (docs/failures.md): Meta reports > 90 % effective training time over 419 interruptions, about 18
    // minutes lost per interruption; a 10-minute median outage with restart and lost work fits inside that.
    private static readonly RepairTime InterruptionRepair = new(600, 1);

    // FALCON: fail-slows last from tens of seconds to nearly ten hours. A log-normal of median 10 minutes and CV 3
    // puts its 5th and 95th percentiles near 50 s and 2 h.
    private static readonly RepairTime FailSlowRepair = new(600, 3);

    private static readonly Dictionary<string, FailureCause[]> Tables = new(StringComparer.Ordinal)
    {
        ["llama3"] =
        [
            Crash("faulty-gpu", 148, 79),
            Crash("gpu-hbm3", 72, 48),
            Crash("software-bug", 54, null),
            Crash("network-switch-cable", 35, null),
            Crash("host-maintenance", 32, null),
            Crash("gpu-sram", 19, 95),
            Crash("gpu-system-processor", 17, 119),
            Crash("nic", 7, null),
            Crash("nccl-watchdog", 7, null),
            Crash("silent-data-corruption", 6, null),
            Crash("gpu-thermal", 6, null),
            Crash("ssd", 3, null),
            Crash("power-supply", 3, null),
            Crash("server-chassis", 2, null),
            Crash("io-expansion-board", 2, null),
            Crash("dependency", 2, null),
            Crash("cpu", 2, null),
            Crash("system-memory", 2, null),
        ],
        ["falcon"] =
        [
            new("gpu-degradation", 1.5e-5, FailureUnit.GpuHour, FaultKind.NodeSlowdown, new Dictionary<string, double> { ["factor"] = 1.5 }, FailSlowRepair, null),
            new("cpu-contention", 1.5e-5, FailureUnit.GpuHour, FaultKind.NodeSlowdown, new Dictionary<string, double> { ["factor"] = 1.2 }, FailSlowRepair, null),
            new("thermal-throttle", 1e-5, FailureUnit.GpuHour, FaultKind.NodeThermalThrottle, new Dictionary<string, double> { ["clockRatio"] = 0.7 }, FailSlowRepair, null),
            new("link-congestion", 0.02, FailureUnit.LinkHour, FaultKind.LinkBandwidth, new Dictionary<string, double> { ["ratio"] = 0.5 }, FailSlowRepair, null),
        ],
    };

    /// <summary>Preset names.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Tables.Keys];

    /// <summary>The causes of the preset called <paramref name="name"/>.</summary>
    public static bool TryGet(string? name, out IReadOnlyList<FailureCause> causes)
    {
        if (name is not null && Tables.TryGetValue(name, out var table))
        {
            causes = table;
            return true;
        }

        causes = [];
        return false;
    }

    private static FailureCause Crash(string name, int interruptions, int? xid) =>
        new(name, interruptions / Llama3GpuHours, FailureUnit.GpuHour, FaultKind.NodeCrash, new Dictionary<string, double>(), InterruptionRepair, xid);
}
