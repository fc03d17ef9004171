namespace OrleansCluster.Grains.Barrier;

/// <summary>
/// Work that its owner offers to a <see cref="ComputeLane"/> to do ahead, in time the lane would leave idle, and
/// otherwise does itself: before it next touches what the work touches, the owner calls <see cref="SettleAsync"/>,
/// which takes the work back if it has not started (it will not run) or waits for it to finish. One object is offered
/// again and again (no allocation per offer) to one lane; at most one offer of it is pending at a time, and at most
/// one entry of it sits in the lane's queue, whatever the offers taken back meanwhile.
/// </summary>
/// <remarks>
/// Only the owner offers and settles, one call at a time (a grain's turns); the work runs on a thread-pool thread.
/// The state moves Idle -> Queued (the owner's offer) -> Running (the lane's thread) -> Idle, or Queued -> Idle (taken
/// back). The small lock guards only the hand-over of the completion source between a settle that waits and the end
/// of the running work; no grain code runs under it.
/// </remarks>
public abstract class SpareWork : IThreadPoolWorkItem
{
    private const int Idle = 0;
    private const int Queued = 1;
    private const int Running = 2;

    private static readonly Task<bool> TakenBack = Task.FromResult(true);
    private static readonly Task<bool> NothingPending = Task.FromResult(false);

    private readonly Lock _gate = new();
    private int _state;
    private int _placed; // 1 while an entry of this object is in the lane's queue or the thread pool's
    private ComputeLane? _lane;
    private TaskCompletionSource<bool>? _finished;

    /// <summary>The work. It runs on a thread-pool thread while its owner waits for nothing from it, so it must not
    /// call grains; an exception it throws is dropped, as the owner does the same work itself when it is not done.</summary>
    protected abstract void Work();

    /// <summary>Whether the work ran to its end since it was last offered (false when taken back or failed).</summary>
    public bool Done { get; private set; }

    /// <summary>
    /// Makes the work's owner the only one touching its state again: takes back an offer that has not started
    /// (answers true: the owner may offer it again), or waits for one that is running (answers false, as when
    /// nothing was pending).
    /// </summary>
    public Task<bool> SettleAsync()
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Queued) == Queued)
        {
            return TakenBack; // its entry in the lane's queue does nothing when it comes round
        }

        lock (_gate)
        {
            return _state == Running
                ? (_finished ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously)).Task
                : NothingPending;
        }
    }

    // The owner's offer; answers whether the lane must queue an entry (none of this object is queued already).
    internal bool Queue(ComputeLane lane)
    {
        if (Volatile.Read(ref _state) != Idle)
        {
            throw new InvalidOperationException("spare work is offered again before it was settled");
        }

        if (_lane is not null && !ReferenceEquals(_lane, lane))
        {
            throw new InvalidOperationException("spare work is offered to one lane only");
        }

        Done = false;
        _lane = lane;
        Volatile.Write(ref _state, Queued);
        return Interlocked.Exchange(ref _placed, 1) == 0;
    }

    void IThreadPoolWorkItem.Execute()
    {
        var lane = _lane!;
        try
        {
            // Unplaced before the claim: an offer made from here on queues an entry of its own.
            Volatile.Write(ref _placed, 0);
            if (Interlocked.CompareExchange(ref _state, Running, Queued) != Queued)
            {
                return; // taken back
            }

            TaskCompletionSource<bool>? finished = null;
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

                finished?.SetResult(false);
            }
        }
        finally
        {
            lane.Release();
        }
    }
}
