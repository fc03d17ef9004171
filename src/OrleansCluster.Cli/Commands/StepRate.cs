using System.Diagnostics;

namespace OrleansCluster.Cli.Commands;

/// <summary>
/// The job's steps/s over a window, from its step counter alone (steps finished, ok or failed): the window is
/// aligned on step ends (the counter is watched until it moves, at both ends), so that a window of a few steps
/// at a realtime pace reads the pace, not a count rounded to whole steps over an arbitrary span. A call that gets no
/// answer is told to a <see cref="SiloWatch"/> and tried again at the next poll: one lost call is not a lost silo
/// (<c>scrape</c> ended its run on the first one, where the others wait for <see cref="SiloWatch.Limit"/> in a row).
/// </summary>
public static class StepRate
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Steps/s over at least <paramref name="window"/>: from the first step end after the start to the first
    /// after the window; 0 when the job finished no step in the window and the same again after it. Throws the last
    /// call's <see cref="HttpRequestException"/> once <paramref name="watch"/> takes the silo as lost.
    /// </summary>
    public static async Task<double> MeasureAsync(HttpClient admin, TimeSpan window, SiloWatch watch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(admin);
        ArgumentNullException.ThrowIfNull(watch);
        var bound = window + window;
        var (first, firstAt) = await NextStepEndAsync(admin, bound, watch, cancellationToken);
        var clock = Stopwatch.StartNew();
        var rest = window - clock.Elapsed;
        if (rest > TimeSpan.Zero)
        {
            await Task.Delay(rest, cancellationToken);
        }

        var (last, lastAt) = await NextStepEndAsync(admin, bound, watch, cancellationToken);
        var seconds = (lastAt - firstAt).TotalSeconds;
        return last > first && seconds > 0 ? (last - first) / seconds : 0;
    }

    /// <summary>The counter just after it next moves, and when that was seen (or the counter at the bound, if it never moves).</summary>
    private static async Task<(long Finished, DateTimeOffset At)> NextStepEndAsync(HttpClient admin, TimeSpan bound, SiloWatch watch, CancellationToken cancellationToken)
    {
        long? start = null;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await FinishedAsync(admin, watch, cancellationToken) is { } now)
            {
                start ??= now;
                if (now != start || clock.Elapsed >= bound)
                {
                    return (now, DateTimeOffset.UtcNow);
                }
            }

            await Task.Delay(Poll, cancellationToken);
        }
    }

    /// <summary>The job's finished steps; null when the call got no answer and the silo is not yet taken as lost.</summary>
    private static async Task<long?> FinishedAsync(HttpClient admin, SiloWatch watch, CancellationToken cancellationToken)
    {
        try
        {
            var finished = CampaignReplay.StepsFinished(await SiloApi.ClusterAsync(admin, cancellationToken));
            watch.Answered();
            return finished;
        }
        catch (HttpRequestException e) when (SiloWatch.IsNoAnswer(e) && !watch.Unanswered(e))
        {
            return null;
        }
    }
}
