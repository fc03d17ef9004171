namespace OrleansCluster.Model.Telemetry;

/// <summary>
/// How a GPU's temperature follows its power: as a first-order lag, not at once. Heat goes from the die through its
/// package and cold plate or heatsink into the air or coolant; the temperature the sensor reads moves toward the
/// steady value of the power drawn now (<see cref="GpuTelemetryModel.Read"/>'s, the model's) with a time constant set by
/// that path's heat capacity and resistance: <c>T(t + dt) = T_ss + (T(t) - T_ss) * exp(-dt / tau)</c>, 63 % of a step
/// in power after <c>tau</c>, 95 % after <c>3 tau</c>. One constant stands for a network with a fast term (the die, a
/// few seconds) and a slow one (the heatsink, tens of seconds): an approximation, of the slow term's size
/// (docs/telemetry.md, "Temperature lags power").
/// </summary>
public static class ThermalLag
{
    /// <summary>
    /// The default time constant, seconds: 20. Public measurements put a data-centre GPU's settling after a change of
    /// load at about a minute (V100s under a sustained load plateaued within about 60 s: 3 tau), with its die's own
    /// response a few seconds; docs/telemetry.md gives the sources.
    /// </summary>
    public const double DefaultTimeConstantSeconds = 20;

    /// <summary>
    /// The temperature <paramref name="seconds"/> after reading <paramref name="previous"/>, drawing the power whose steady
    /// temperature is <paramref name="target"/> throughout, with time constant <paramref name="timeConstantSeconds"/>. No
    /// previous reading (NaN), a time constant of 0 or less, or an infinite time, reads the target; no time (0 or less,
    /// or NaN), the previous reading.
    /// </summary>
    public static double Step(double previous, double target, double seconds, double timeConstantSeconds)
    {
        if (!double.IsFinite(previous) || !(timeConstantSeconds > 0) || double.IsPositiveInfinity(seconds))
        {
            return target;
        }

        return seconds > 0 ? target + ((previous - target) * Math.Exp(-seconds / timeConstantSeconds)) : previous;
    }
}
