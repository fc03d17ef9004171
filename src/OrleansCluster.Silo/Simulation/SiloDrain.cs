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

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            var leaving = silo.SiloAddress.ToString();
            await Task.WhenAll(
                grains.GetGrain<IJobGrain>(IJobGrain.Key).DrainSiloAsync(leaving),
                grains.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key).HandOverAsync(leaving)).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var reason = e.GetBaseException().Message;
            LogNotDrained(logger, reason);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not tell the job this silo is leaving: {Reason}")]
    private static partial void LogNotDrained(ILogger logger, string reason);
}
