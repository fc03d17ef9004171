namespace OrleansCluster.Grains.Barrier;

/// <summary>
/// Work that its owner offers to a <see cref="ComputeLane"/> to do ahead, in time the lane would leave idle, and
/// otherwise does itself: before it next touches what the work touches, the owner calls <see cref="SettleAsync"/>,
/// which takes the work back if it has not started (it will not run) or waits for it to finish. One object is offered
/// again and again (no allocation per offer); at most one offer of it is pending at a time.
/// </summary>
public abstract class SpareWork : IThreadPoolWorkItem
{
    private const int Idle = 0;
    private const int Queued = 1;
    private const int Running = 2;

    private readonly Lock _gate = new();
    private int _state;
    private ComputeLane? _lane;
    private TaskCompletionSource? _finished;

    /// <summary>The work. It runs on a thread-pool thread while its owner waits for nothing from it, so it must not
    /// call grains; an exception it throws is dropped, as the owner does the same work itself when it is not done.</summary>
    protected abstract void Work();

    /// <summary>Whether the work ran to its end since it was last offered (false when taken back or failed).</summary>
    public bool Done { get; private set; }

    /// <summary>
    /// Makes the work's owner the only one touching its state again: takes back an offer that has not started, or
    /// waits for one that is running. Completed at once when nothing is pending.
    /// </summary>
    public Task SettleAsync()
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Queued) == Queued)
        {
            return Task.CompletedTask; // taken back: its place in the lane's queue does nothing when it comes round
        }

        lock (_gate)
        {
            return _state == Running
                ? (_finished ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task
                : Task.CompletedTask;
        }
    }

    internal void Queue(ComputeLane lane)
    {
        if (Interlocked.CompareExchange(ref _state, Queued, Idle) != Idle)
        {
            throw new InvalidOperationException("spare work is offered again before it was settled");
        }

        Done = false;
        _lane = lane;
    }

    void IThreadPoolWorkItem.Execute()
    {
        var lane = _lane!;
        try
        {
            if (Interlocked.CompareExchange(ref _state, Running, Queued) != Queued)
            {
                return; // taken back (or an earlier offer's place, whose work a later place already ran)
            }

            TaskCompletionSource? finished;
            try
            {
                Work();
                Done = true;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Dropped: the owner, finding the work not done, does it itself and meets the same failure there.
            }
            finally
            {
                lock (_gate)
                {
                    _state = Idle;
                    (finished, _finished) = (_finished, null);
                }
            }

            finished?.SetResult();
        }
        finally
        {
            lane.Release();
        }
    }
}
