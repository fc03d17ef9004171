using OrleansCluster.Model.Faults;
using OrleansCluster.Model.Generations;

namespace OrleansCluster.Model.Telemetry;

/// <summary>What one GPU's sensors and counters read, in dcgm-exporter's units (MHz, C, W, %, MiB, ratios, B/s).</summary>
public sealed record GpuReadings(
    double SmClockMhz,
    double MemoryClockMhz,
    double GpuTemperatureC,
    double MemoryTemperatureC,
    double PowerWatts,
    double GpuUtilPercent,
    double MemoryCopyUtilPercent,
    double FramebufferUsedMiB,
    double FramebufferFreeMiB,
    double FramebufferReservedMiB,
    int LastXid,
    double GraphicsEngineActive,
    double TensorPipeActive,
    double DramActive,
    double PcieTxBytesPerSecond,
    double PcieRxBytesPerSecond,
    double NvLinkBytesPerSecond,
    double SmActive,
    double SmOccupancy);

/// <summary>
/// The per-GPU view of the model, for the dcgm-exporter-compatible series. A step of a GPU is its compute
/// (<c>busy = t_i / T_step</c>), then the rest of the step inside the all-reduce: waiting for the stragglers and
/// moving gradients. NCCL's kernels are resident and spinning for all of that second part, so, as on real fleets,
/// the counters that ask "was any kernel running" (<c>GPU_UTIL</c>, <c>GR_ENGINE_ACTIVE</c>) stay near full for a GPU
/// that waits, while those that ask how much of the chip worked (SM activity and occupancy, tensor pipe, DRAM) and
/// power fall with its wait share. A thermal throttle holds the SM clock at <c>clockRatio</c> of its maximum all step, a
/// power cap only while it binds: while the GPU computes, not while it spins in the collective under the cap;
/// a thermally throttled GPU (one held below the clock its power cap alone allows) sits at its generation's slowdown
/// temperature. A power cap bounds board power at <c>powerLimitRatio</c> of TDP, and a GPU under a cap alone runs as
/// warm as its power says: cooler, not at the slowdown temperature (before 2026-11-28 a cap only lowered the clock, so a
/// capped A100 read 153.5 W against its 120 W cap, at 87-89 C). A GPU its node's crash took down reports the XID of
/// the crash (79, "GPU has fallen off the bus", when the crash names none) with no utilisation or power (one GPU of the
/// node: <see cref="GpuSpread.FaultyGpu"/>). <see cref="Vary"/> sets the GPUs of a node a little apart. A GPU that runs no kernel
/// at all (its job paused or stopped, its node evicted from the job without crashing) reads <see cref="Idle"/>. Its
/// temperatures are the steady values of the power drawn; the page moves toward them with <see cref="ThermalLag"/>. The
/// activity figures below are assumptions in the range published profiles show (docs/telemetry.md): they set the
/// contrast, not a particular kernel.
/// </summary>
public static class GpuTelemetryModel
{
    /// <summary>XID 79: the driver lost the GPU.</summary>
    public const int FallenOffTheBus = XidCatalog.FallenOffTheBus;

    private const double AmbientC = 32;
    private const double ReservedMiB = 512;
    private const double FramebufferInUse = 0.85;

    // Share of a step with no kernel on the GPU at all (launch gaps, the host's part of the optimizer step).
    private const double HostGap = 0.02;

    // Compute (GEMM-bound training kernels) against the collective (a few NCCL blocks spinning on flags).
    private const double ComputeGraphicsActive = 0.97, CollectiveGraphicsActive = 0.95;
    private const double ComputeSmActive = 0.92, CollectiveSmActive = 0.24; // NCCL's ~32 channels of 132 SMs
    private const double ComputeOccupancy = 0.45, CollectiveOccupancy = 0.04;
    private const double ComputeTensorActive = 0.8, ComputeDramActive = 0.45, CollectiveDramActive = 0.06;
    private const double CollectivePowerShare = 0.2; // spinning kernels draw a fifth of the dynamic range

    // An idle GPU's SM clock against its maximum: an H100 with no kernel drops to 345 of its 1,980 MHz (nvidia-smi, persistence
    // mode on); other generations are taken at the same share (an A100's 210 MHz reads 246: approximate, as the catalogue's
    // clocks are). HBM stays at its clock.
    private const double IdleSmClockRatio = 345.0 / 1980;

    /// <summary>The most a GPU of a node reads warmer or cooler than the node's model figure, C (<see cref="Vary"/>).</summary>
    public const double TemperatureSpreadC = 2;

    // How far a GPU's power strays from the node's at most: shares of idle power and of the power drawn above it (a
    // training H100's 450 W reads about 442-458 W across a node), within the node's idle power and power limit (Vary).
    private const double IdlePowerSpread = 0.03, DynamicPowerSpread = 0.015;

    /// <summary>
    /// Readings of a healthy GPU of <paramref name="generation"/> that runs no kernel: no XID, no utilisation or activity,
    /// its idle power and SM clock, at the temperature of no dynamic power (its steady value: a GPU that just stopped
    /// cools toward it, <see cref="ThermalLag"/>). Its framebuffer stays as it was: the job's process holds its memory while it
    /// is paused, or until it is rescheduled after its node was evicted. The same for every GPU of a generation.
    /// </summary>
    public static GpuReadings Idle(GpuGeneration generation)
    {
        ArgumentNullException.ThrowIfNull(generation);
        var (used, free, reserved) = Framebuffer(generation);
        return new GpuReadings(
            Math.Round(generation.MaxSmClockMhz * IdleSmClockRatio),
            generation.MemoryClockMhz,
            AmbientC,
            AmbientC + 6,
            generation.IdleWatts,
            0,
            0,
            used,
            free,
            reserved,
            XidCatalog.None,
            0, 0, 0, 0, 0, 0, 0, 0);
    }

    /// <summary>
    /// Readings of a GPU of <paramref name="generation"/> that computed <paramref name="busy"/> of the last step; a
    /// <paramref name="down"/> one reports <paramref name="xid"/> (79 when none is given). <paramref name="powerLimitRatio"/>
    /// is the share of TDP the power caps in force allow (1, or 0 or less or NaN: none).
    /// </summary>
    public static GpuReadings Read(GpuGeneration generation, double busy, double clockRatio, bool down, int xid = XidCatalog.None, double powerLimitRatio = 1)
    {
        ArgumentNullException.ThrowIfNull(generation);
        var (used, free, reserved) = Framebuffer(generation);
        if (down)
        {
            return new GpuReadings(0, 0, AmbientC, AmbientC, 0, 0, 0, 0, used + free, reserved, xid > 0 ? xid : FallenOffTheBus, 0, 0, 0, 0, 0, 0, 0, 0);
        }

        var busyShare = Math.Clamp(double.IsFinite(busy) ? busy : 0, 0, 1);
        var compute = busyShare * (1 - HostGap);
        var collective = 1 - HostGap - compute;
        clockRatio = Math.Clamp(clockRatio, FaultEffects.MinClockRatio, 1);
        powerLimitRatio = powerLimitRatio > 0 ? Math.Min(powerLimitRatio, 1) : 1;
        // Held below what the cap alone allows: a thermal throttle (the relative margin absorbs rounding).
        var capClock = Math.Max(FaultEffects.PowerCapClock(powerLimitRatio), FaultEffects.MinClockRatio);
        var hot = clockRatio < capClock * (1 - 1e-9);
        var dynamicShare = (compute * clockRatio * clockRatio * clockRatio) + (collective * CollectivePowerShare);
        var power = generation.IdleWatts + ((generation.TdpWatts - generation.IdleWatts) * dynamicShare);
        var limit = powerLimitRatio * generation.TdpWatts;
        if (power > limit)
        {
            // The cap binds: board power at the limit, and the heat of what it draws above idle (none when the limit
            // is under idle power; a TDP at idle power has no dynamic range to divide by).
            power = limit;
            dynamicShare = generation.TdpWatts > generation.IdleWatts ? Math.Max(0, (limit - generation.IdleWatts) / (generation.TdpWatts - generation.IdleWatts)) : 0;
        }

        // The SM clock a scrape samples, the step's mean: a thermal throttle holds its clock throughout (the GPU stays at
        // its slowdown temperature), but a power cap throttles only while it binds. It does while the GPU computes (its
        // GEMMs would draw its TDP); in the collective the spinning kernels draw a fifth of the dynamic range, under any
        // but a deep cap, and the clock is back at its maximum (before 2026-11-28 a cap held the lower clock all step:
        // an H100 computing 30 % of a step, at 305 W under a 560 W cap, read 1,838 MHz where it now reads 1,937).
        var smClock = hot || powerLimitRatio >= 1
            ? clockRatio
            : (busyShare * clockRatio) + ((1 - busyShare) * CollectiveClock(generation, limit, clockRatio));
        var temperature = hot
            ? generation.SlowdownTemperatureC
            : AmbientC + ((generation.SlowdownTemperatureC - 15 - AmbientC) * dynamicShare); // (power - idle) / (TDP - idle), with no division: a TDP at idle power read NaN
        var dram = (ComputeDramActive * compute) + (CollectiveDramActive * collective);
        return new GpuReadings(
            Math.Round(generation.MaxSmClockMhz * smClock),
            generation.MemoryClockMhz,
            Math.Round(temperature),
            Math.Round(temperature + 6),
            Math.Round(power, 3),
            Math.Round(100 * (compute + collective)),
            Math.Round(100 * dram),
            used,
            free,
            reserved,
            0,
            (ComputeGraphicsActive * compute) + (CollectiveGraphicsActive * collective),
            ComputeTensorActive * compute,
            dram,
            0.4e9 * compute,
            1.2e9 * compute,
            generation.NvLinkBandwidthBytesPerSecond * 0.3 * compute, // gradient buckets reduced as the backward pass goes
            (ComputeSmActive * compute) + (CollectiveSmActive * collective),
            (ComputeOccupancy * compute) + (CollectiveOccupancy * collective));
    }

    /// <summary>
    /// <paramref name="readings"/> of one GPU of a node, at its place <paramref name="spread"/> in [-1, 1] among the node's
    /// GPUs (<see cref="GpuSpread.Of"/>): up to <see cref="TemperatureSpreadC"/> degrees warmer or cooler (GPU and memory),
    /// and up to 3 % of idle power plus 1.5 % of the dynamic part more or less power (an H100 at 450 W: about 8 W). Each
    /// amplitude shrinks, both ways, to the room between the node's figure and its bounds: power between idle power and
    /// the power limit (each GPU's controller holds its own cap), temperature above that of no dynamic power; so an idle
    /// GPU, or one at its limit, reads the node's power, an idle one its temperature, and the node's mean is the figure
    /// given. One at its slowdown temperature stays at it (the throttle holds it), and a GPU that is down, or at place 0,
    /// reads as given.
    /// </summary>
    public static GpuReadings Vary(GpuReadings readings, GpuGeneration generation, double spread, double powerLimitRatio = 1)
    {
        ArgumentNullException.ThrowIfNull(readings);
        ArgumentNullException.ThrowIfNull(generation);
        if (readings.LastXid != XidCatalog.None || !double.IsFinite(spread) || spread == 0)
        {
            return readings;
        }

        spread = Math.Clamp(spread, -1, 1);
        // Each amplitude shrinks, both ways at once, to what fits between the node's figure and the nearest bound: the
        // power limit above it, idle power below it (a GPU in the job draws no less than one that runs nothing), the
        // temperature of no dynamic power below it (a GPU off the bus reads it: a healthy one is no colder). Set
        // apart symmetrically, a node's GPUs keep its mean (found by review: clipping only the GPUs above a binding cap
        // put an H100 node at 557.22 W against the model's 559.85 W, and idle H100s read 67.9-72.1 W and 30-34 C).
        var limit = powerLimitRatio > 0 ? Math.Min(powerLimitRatio, 1) * generation.TdpWatts : double.PositiveInfinity;
        var watts = (IdlePowerSpread * generation.IdleWatts) + (DynamicPowerSpread * Math.Max(0, readings.PowerWatts - generation.IdleWatts));
        watts = Math.Max(0, Math.Min(watts, Math.Min(limit - readings.PowerWatts, readings.PowerWatts - generation.IdleWatts)));
        var power = readings.PowerWatts + (spread * watts);
        var degrees = readings.GpuTemperatureC >= generation.SlowdownTemperatureC
            ? 0
            : Math.Round(Math.Clamp(readings.GpuTemperatureC - AmbientC, 0, TemperatureSpreadC) * spread);
        return readings with
        {
            PowerWatts = Math.Round(power, 3),
            GpuTemperatureC = readings.GpuTemperatureC + degrees,
            MemoryTemperatureC = readings.MemoryTemperatureC + degrees,
        };
    }

    // The clock of a GPU spinning in the collective under a power limit of limitWatts: its maximum where the spin draws
    // no more than the limit at it, else the clock whose draw meets the limit (dynamic power with the cube of the clock),
    // never under the cap's clock for compute (capClock), which draws more.
    private static double CollectiveClock(GpuGeneration generation, double limitWatts, double capClock)
    {
        var dynamicRange = generation.TdpWatts - generation.IdleWatts;
        var spin = CollectivePowerShare * dynamicRange;
        if (generation.IdleWatts + spin <= limitWatts)
        {
            return 1;
        }

        return spin > 0 && limitWatts > generation.IdleWatts
            ? Math.Clamp(Math.Cbrt((limitWatts - generation.IdleWatts) / spin), capClock, 1)
            : capClock;
    }

    // Used, free and reserved framebuffer (MiB), adding up to the total the driver reports: the job's process holds
    // FramebufferInUse of what the driver does not reserve (a generation of next to no memory reserves what it has).
    private static (double Used, double Free, double Reserved) Framebuffer(GpuGeneration generation)
    {
        var total = Math.Max(generation.FramebufferMiB, 0);
        var reserved = Math.Min(ReservedMiB, total);
        var used = Math.Round((total - reserved) * FramebufferInUse);
        return (used, total - reserved - used, reserved);
    }
}
