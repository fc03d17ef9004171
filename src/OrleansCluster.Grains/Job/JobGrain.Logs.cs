using Microsoft.Extensions.Logging;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Job;

/// <summary>The job's source-generated log lines, beside the grain so that its file reads as the job's behaviour.</summary>
public sealed partial class JobGrain
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "the stored scenario no longer loads ({Problem}); the job is idle until a scenario is loaded")]
    private static partial void LogStoredScenarioRefused(ILogger logger, string problem);

    private void LogProgress()
    {
        if (Run.Last is { } last && _cadence.ProgressRate(Job.StepsOk + Job.StepsFailed, _tuning.LogIntervalSeconds) is { } rate)
        {
            var (r, b) = (last.Result, last.Result.Breakdown);
            LogProgress(logger, last.Number, r.StepSeconds, b.ComputeSeconds, b.StragglerWaitSeconds, b.IntraSiteSeconds, b.InterSiteBandwidthSeconds, b.InterSiteLatencySeconds, r.TokensPerSecond, r.UsefulFlopsPerSecond / 1e15, r.StragglerTax, r.ClusterMfu, r.HealthyNodes, rate, Job.StepsFailed, Job.LostSteps);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "silo {Silo} is draining: stepping waits until it has left")]
    private static partial void LogDraining(ILogger logger, string silo);

    [LoggerMessage(Level = LogLevel.Information, Message = "this silo is draining: the job is handed over to silo {Silo}, its record in memory")]
    private static partial void LogHandingOver(ILogger logger, SiloAddress silo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the job's record could not be written as it was handed over ({Error}: {Message}): it goes along in memory, and the next activation writes it")]
    private static partial void LogHandOverWriteFailed(ILogger logger, string error, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "silo(s) {Silos} joined: the barrier tree is laid out again over every active silo, from the same step")]
    private static partial void LogJoined(ILogger logger, string silos);

    [LoggerMessage(Level = LogLevel.Warning, Message = "job recovered on this silo: scenario {Scenario} at step {Step} (clean hand-over: {Clean})")]
    private static partial void LogRecovered(ILogger logger, string scenario, long step, bool clean);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the fault registry pushes its effects under epoch {Registry} (0: no run laid out), not the job's layout {Layout} (it was lost before it wrote that layout, or the job resumed from an older record): the barrier tree is laid out again past it, so that its faults take effect")]
    private static partial void LogRegistryOff(ILogger logger, long registry, long layout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the fault registry is on epoch {Registry}, ahead of the job's layout {Layout}, and the job's record cannot be written: the job waits on its layout (a step would run without the registry's faults), and lays the tree out past it once a write of its record lands (another activation of the job may be laying the tree out meanwhile)")]
    private static partial void LogRegistryAheadUnconfirmed(ILogger logger, long registry, long layout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the fault registry did not take the layout {Layout} ({Error}: {Message}): the job waits on it (a step would run without the registry's faults), and hands the layout over again with a backoff (at most {MaxWaitSeconds} s apart) until the registry takes it")]
    private static partial void LogRegistryRefusedLayout(ILogger logger, long layout, string error, string message, double maxWaitSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "the fault registry took the layout {Layout} after {Failures} failed calls: its faults take effect from the next step")]
    private static partial void LogRegistryTookLayout(ILogger logger, long layout, int failures);

    [LoggerMessage(Level = LogLevel.Warning, Message = "step {Step} could not run, retrying in 1 s: {Reason}")]
    private static partial void LogTickFailed(ILogger logger, long step, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "loaded scenario {Scenario}: {Nodes} nodes, {Gpus} GPUs, {Blocks} blocks")]
    private static partial void LogLoaded(ILogger logger, string scenario, int nodes, long gpus, int blocks);

    [LoggerMessage(Level = LogLevel.Information, Message = "step {Step}: T_step {StepSeconds:F3} s = compute {ComputeSeconds:F3} + straggler wait {StragglerWaitSeconds:F3} + intra-site {IntraSiteSeconds:F3} + inter-site bandwidth {InterSiteBandwidthSeconds:F3} + inter-site latency {InterSiteLatencySeconds:F3}; {TokensPerSecond:N0} tokens/s, {UsefulPetaflops:F1} useful PFLOP/s, straggler tax {Tax:P1}, cluster MFU {Mfu:P1}, {Healthy} nodes at the barrier; {Rate:F1} steps/s, {Failed} failed, {Lost} lost")]
    private static partial void LogProgress(ILogger logger, long step, double stepSeconds, double computeSeconds, double stragglerWaitSeconds, double intraSiteSeconds, double interSiteBandwidthSeconds, double interSiteLatencySeconds, double tokensPerSecond, double usefulPetaflops, double tax, double mfu, int healthy, double rate, long failed, long lost);

    [LoggerMessage(Level = LogLevel.Warning, Message = "step {Step} failed ({Reason}): {Lost} steps lost, rolled back to checkpoint {Checkpoint}; {Unlogged} more failed since the last such line")]
    private static partial void LogStepFailed(ILogger logger, long step, string reason, long lost, long checkpoint, long unlogged);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the job's record was gone from storage at step {Step} (storage restarted empty?): written again from this activation's, and the fault registry told to write its own")]
    private static partial void LogRecordGone(ILogger logger, long step);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the fault registry could not write its records again ({Error}: {Message}): tried again at the job's next write")]
    private static partial void LogRegistryWriteAgainFailed(ILogger logger, string error, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the job's record was written by a request whose answer was lost (storage answered late): written again over it")]
    private static partial void LogLostWriteAnswer(ILogger logger);

    // What storage lost, said once each time it is found gone back: the record it holds against memory's.
    private void LogStorageWentBack(JobRecord stored) =>
        LogRecordWentBack(logger, stored.Sequence, stored.State, stored.Step, stored.Pace.Mode, stored.Pace.Speed, Job.Sequence, Job.State, Job.Step, Job.Pace.Mode, Job.Pace.Speed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "storage went back in time: it holds an older record of the job (write {StoredSequence}: {StoredState} at step {StoredStep}, pace {StoredMode} x{StoredSpeed}) than this activation read or wrote (write {Sequence}: {State} at step {Step}, pace {Mode} x{Speed}); it lost the writes between (restarted from an older snapshot or a backup, or failed over to a lagging replica). The record is written again from memory, and the fault registry writes its own again")]
    private static partial void LogRecordWentBack(ILogger logger, long storedSequence, JobState storedState, long storedStep, PaceMode storedMode, double storedSpeed, long sequence, JobState state, long step, PaceMode mode, double speed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the job could not read its record back ({Error}: {Message}): read again in 5 s")]
    private static partial void LogWatchReadFailed(ILogger logger, string error, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the job's record could not be written at step {Step} ({Error}: {Message}): the job goes on, and writes it again each second while it runs (or at its next control call); a silo lost meanwhile resumes from the last record written")]
    private static partial void LogSaveFailed(ILogger logger, long step, string error, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "background failures could not be handed to the fault registry at step {Step} ({Error}: {Message}): handed over at the next step it answers")]
    private static partial void LogHandOverFailed(ILogger logger, long step, string error, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "a control call's write timed out or lost its connection, and the job's record, read back, {Outcome}")]
    private static partial void LogWriteSettled(ILogger logger, string outcome);
}
