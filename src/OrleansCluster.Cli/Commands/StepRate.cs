using System.Diagnostics;

namespace OrleansCluster.Cli.Commands;

/// <summary>
/// The job's steps/s over a window, from its step counter alone (steps finished, ok or failed): the window is
/// aligned on step ends (the counter is watched until it moves, at both ends), so that a window of a few steps
/// at a realtime pace reads the pace, not a count rounded to whole steps over an arbitrary span.
/// </summary>
public static class StepRate
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Steps/s over at least <paramref name="window"/>: from the first step end after the start to the first
    /// after the window; 0 when the job finished no step in the window and the same again after it.
    /// </summary>
    public static async Task<double> MeasureAsync(HttpClient admin, TimeSpan window, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(admin);
        var bound = window + window;
        var (first, firstAt) = await NextStepEndAsync(admin, bound, cancellationToken);
        var clock = Stopwatch.StartNew();
        var rest = window - clock.Elapsed;
        if (rest > TimeSpan.Zero)
        {
            await Task.Delay(rest, cancellationToken);
        }

        var (last, lastAt) = await NextStepEndAsync(admin, bound, cancellationToken);
        var seconds = (lastAt - firstAt).TotalSeconds;
        return last > first && seconds > 0 ? (last - first) / seconds : 0;
    }

    /// <summary>The counter just after it next moves, and when that was seen (or the counter at the bound, if it never moves).</summary>
    private static async Task<(long Finished, DateTimeOffset At)> NextStepEndAsync(HttpClient admin, TimeSpan bound, CancellationToken cancellationToken)
    {
        var start = CampaignReplay.StepsFinished(await SiloApi.ClusterAsync(admin, cancellationToken));
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var now = CampaignReplay.StepsFinished(await SiloApi.ClusterAsync(admin, cancellationToken));
            if (now != start || clock.Elapsed >= bound)
            {
                return (now, DateTimeOffset.UtcNow);
            }

            await Task.Delay(Poll, cancellationToken);
        }
    }
}
