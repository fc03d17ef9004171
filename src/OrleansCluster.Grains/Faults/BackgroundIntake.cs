using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Model.Failures;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Faults;

/// <summary>
/// Background failures as faults (DESIGN.md section 7.6): the model's draws become messages for the registry, and
/// the registry's faults, with <c>source: "background"</c>, their cause, and their start and repair on the job's
/// simulated clock. The registry ends them by that clock (<see cref="Repaired"/>), never by the wall's: a run at
/// realtime and one at max pace see the same faults at the same simulated times.
/// </summary>
internal static class BackgroundIntake
{
    /// <summary>The <see cref="Fault.Source"/> of a background failure.</summary>
    public const string Source = "background";

    /// <summary>
    /// The model's draw as the message the job sends, its id made unique to the run (<paramref name="runEpoch"/>, the
    /// epoch of the run's first layout: the same for every layout of the run, so a draw handed over again keeps its id).
    /// </summary>
    public static BackgroundFault ToMessage(BackgroundFailure failure, long runEpoch) => new(
        $"bg{runEpoch}-{failure.Id[3..]}",
        failure.Cause,
        FaultIntake.Kind(failure.Kind),
        new FaultTargetRequest(Node: failure.Node, Link: failure.Link),
        failure.Params,
        failure.StartSeconds,
        failure.RepairSeconds,
        failure.Xid);

    /// <summary>The faults <paramref name="arrivals"/> make on <paramref name="layout"/>, now in force; an arrival whose target is gone is skipped.</summary>
    public static List<Fault> Make(IEnumerable<BackgroundFault> arrivals, ClusterLayout layout, DateTimeOffset now)
    {
        var made = new List<Fault>();
        foreach (var arrival in arrivals)
        {
            var request = new FaultRequest(arrival.Kind.ApiName, arrival.Target, arrival.Params);
            var (passed, errors, _) = FaultIntake.Check([request], alone: true, layout);
            if (errors.Count > 0)
            {
                continue;
            }

            made.Add(FaultIntake.Make(arrival.Id, request, passed[0].Fault, now, campaign: null) with
            {
                Source = Source,
                Cause = arrival.Cause,
                SimulatedStartSeconds = arrival.StartSeconds,
                SimulatedRepairSeconds = arrival.RepairSeconds,
                Xid = arrival.Xid,
            });
        }

        return made;
    }

    /// <summary>Whether <paramref name="fault"/> is a background failure.</summary>
    public static bool IsBackground(Fault fault) => fault.Source == Source;

    /// <summary>Whether a background fault is repaired by <paramref name="simulatedSeconds"/> of the job's clock.</summary>
    public static bool Repaired(Fault fault, double simulatedSeconds) =>
        IsBackground(fault) && fault.SimulatedStartSeconds + fault.SimulatedRepairSeconds <= simulatedSeconds;

    /// <summary>The simulated time of the next repair among <paramref name="faults"/>, if any background fault is in force.</summary>
    public static double? NextRepair(IEnumerable<Fault> faults) =>
        faults.Where(IsBackground).Select(f => f.SimulatedStartSeconds + f.SimulatedRepairSeconds).Min();
}
