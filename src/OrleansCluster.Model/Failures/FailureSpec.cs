using OrleansCluster.Model.Scenarios;

namespace OrleansCluster.Model.Failures;

/// <summary>
/// The scenario's <c>failures</c>: the causes in force (a preset's, replaced or extended by the scenario's own) and
/// the <see cref="Scale"/> that multiplies every rate. Rates are per GPU-hour or per link-hour; the cluster's rate
/// of a cause is its rate times the GPUs (or links) present times the scale.
/// </summary>
public sealed record FailureSpec(string? Preset, double Scale, IReadOnlyList<FailureCause> Causes)
{
    /// <summary>Most causes a scenario may hold: each is a label value of <c>gpusim_failures_total</c>.</summary>
    public const int MaxCauses = 32;

    /// <summary>Failures of <paramref name="cause"/> per simulated second in <paramref name="scenario"/>.</summary>
    public double RatePerSecond(FailureCause cause, Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(cause);
        ArgumentNullException.ThrowIfNull(scenario);
        double units = cause.Unit == FailureUnit.GpuHour ? scenario.GpuCount : scenario.Links.Count;
        return cause.RatePerHour * units * Scale / 3600;
    }

    /// <summary>Failures of every cause per simulated second.</summary>
    public double TotalRatePerSecond(Scenario scenario) => Causes.Sum(c => RatePerSecond(c, scenario));

    /// <summary>
    /// About how many failures are in force after <paramref name="horizonSeconds"/> of simulated time: each cause's
    /// rate times its mean repair time (Little's law, once the run has settled), its repair cut to the horizon (a
    /// cause repaired only after it has not settled by then). What a registry with a limit on the faults in force
    /// must be able to hold over that span.
    /// </summary>
    public double InForceWithin(Scenario scenario, double horizonSeconds) =>
        Causes.Sum(c => RatePerSecond(c, scenario) * Math.Min(c.Repair.MeanSeconds, horizonSeconds));

    /// <summary>
    /// Mean time between interruptions (failures whose fault stops the job) in simulated seconds; +infinity when
    /// no cause interrupts.
    /// </summary>
    public double MtbfSeconds(Scenario scenario)
    {
        var rate = Causes.Where(c => c.Interrupts).Sum(c => RatePerSecond(c, scenario));
        return rate > 0 ? 1 / rate : double.PositiveInfinity;
    }
}
