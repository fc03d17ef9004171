using OrleansCluster.Abstractions.Grains;

namespace OrleansCluster.Silo.Simulation;

/// <summary>
/// Keeps the job alive in a cluster: every silo asks for the job's status every couple of seconds, so that when
/// the silo hosting the job dies, the next question activates it on a surviving silo, where it recovers from
/// its durable record (a grain timer dies with its activation; nothing else would wake it).
/// </summary>
internal sealed partial class JobKeeper(IGrainFactory grains, ILogger<JobKeeper> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await grains.GetGrain<IJobGrain>(IJobGrain.Key).GetStatusAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30), stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                var reason = e.GetBaseException().Message;
                LogUnanswered(logger, reason);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "the job did not answer its keeper: {Reason}")]
    private static partial void LogUnanswered(ILogger logger, string reason);
}
