using OrleansCluster.Abstractions.Grains;

namespace OrleansCluster.Silo.Simulation;

/// <summary>
/// On a graceful shutdown (SIGTERM), before the silo stops, tells the job that this silo is leaving: the job
/// stops stepping until the silo has gone, then lays its barrier tree out over the silos that remain, so no
/// step fails on coordinators being deactivated. The job and the fault registry, where this silo hosts them, move to a
/// silo that stays with their records in memory, so that no storage lies on the way (a paused Redis held the cluster
/// until it returned). Registered after Orleans, so it stops first.
/// </summary>
internal sealed partial class SiloDrain(IGrainFactory grains, ILocalSiloDetails silo, ILogger<SiloDrain> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // The two calls are made apart, each with its own wait and its own message (found by review: a registry that did
    // not answer was logged as the job not told, and the drain waited on both together). Both are made whatever the
    // grains' placement: the registry learns every silo's drain from it (it takes none of them as its own target), so
    // a registry not active is activated by the call, as any call does (Orleans offers no cheap check of a grain's
    // activation from here); it is then placed as any activation of it is, and hands itself over only from this silo.
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var leaving = silo.SiloAddress.ToString();
        var job = TellAsync(() => grains.GetGrain<IJobGrain>(IJobGrain.Key).DrainSiloAsync(leaving), "the job", cancellationToken);
        var registry = TellAsync(() => grains.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key).HandOverAsync(leaving), "the fault registry", cancellationToken);
        await job;
        await registry;
    }

    private async Task TellAsync(Func<Task> call, string grain, CancellationToken cancellationToken)
    {
        try
        {
            await call().WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogNotTold(logger, grain, e.GetBaseException().Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not tell {Grain} this silo is leaving: {Reason}")]
    private static partial void LogNotTold(ILogger logger, string grain, string reason);
}
