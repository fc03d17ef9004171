using System.Collections.Concurrent;

namespace OrleansCluster.Grains.Barrier;

/// <summary>
/// Runs the blocks' step arithmetic at most one per core at a time, each piece queued at the back of the .NET
/// thread pool's shared queue, behind whatever network I/O is waiting there.
/// </summary>
/// <remarks>
/// Orleans queues a grain's turns on the running worker thread's own queue, which that thread serves before the
/// shared one, while a silo's messaging (each message sent or read takes a few hops through the shared queue) is
/// served from the shared queue only. So a silo whose threads were all stepping blocks sent its calls of a step to
/// the other silos only after every one of its own blocks had stepped: silos took turns instead of stepping together
/// (traced on two silos of one core each: a call of a step reached the other silo 3-38 ms after it was sent, in
/// steps of 42-85 ms; through this lane, within 3 ms). Queuing the whole step's arithmetic in the shared queue at once does not help, as each hop of
/// a message then waits behind all of it. Here no more pieces than cores wait there, so a message waits at most
/// about one piece (a block's step: well under a millisecond) at each hop. The caller of <see cref="Run{T}"/> awaits
/// the piece, so its grain takes no other call meanwhile and the piece may use the grain's fields; it must not call
/// grains.
/// <para>
/// Spare work (<see cref="Offer"/>) goes to the thread pool only when no piece waits: what a block can do for its next
/// step before that step is asked (its next batches), run while the silo would otherwise wait for the other silos.
/// Nobody awaits it, so it may use its owner's fields only because the owner settles it
/// (<see cref="SpareWork.SettleAsync"/>) before touching them. It takes a place like a piece while queued or running.
/// </para>
/// </remarks>
public sealed class ComputeLane
{
    private readonly ConcurrentQueue<IThreadPoolWorkItem> _waiting = new();
    private readonly ConcurrentQueue<SpareWork> _spare = new();
    private readonly int _width;
    private int _queued;

    /// <param name="width">How many pieces and spare works together may be in the thread pool's queue or running at once.</param>
    public ComputeLane(int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        _width = width;
    }

    /// <summary>The silo's lane: one piece per core that the process may run on.</summary>
    public static ComputeLane Shared { get; } = new(Environment.ProcessorCount);

    /// <summary>Pieces waiting for a place in the thread pool's queue.</summary>
    public int Waiting => _waiting.Count;

    /// <summary>Spare works with an entry waiting for a place (some may have been taken back since: their entry does nothing).</summary>
    public int SpareWaiting => _spare.Count;

    /// <summary>Runs <paramref name="work"/> once fewer than the width of pieces are queued or running.</summary>
    public Task<T> Run<T>(Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var piece = new Piece<T>(this, work);
        _waiting.Enqueue(piece);
        QueueWhatFits();
        return piece.Completion.Task;
    }

    /// <summary>
    /// Queues <paramref name="work"/> to run once no piece of <see cref="Run{T}"/> waits and fewer than the width are
    /// queued or running; until it starts, its owner may take it back (<see cref="SpareWork.SettleAsync"/>).
    /// </summary>
    public void Offer(SpareWork work)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (work.Queue(this))
        {
            _spare.Enqueue(work);
        }

        QueueWhatFits();
    }

    // Moves waiting pieces, then spare work, to the thread pool's shared queue while fewer than the width are there or running.
    private void QueueWhatFits()
    {
        while (!_waiting.IsEmpty || !_spare.IsEmpty)
        {
            var queued = Volatile.Read(ref _queued);
            if (queued >= _width)
            {
                return; // a piece that finishes queues the next
            }

            if (Interlocked.CompareExchange(ref _queued, queued + 1, queued) != queued)
            {
                continue;
            }

            if (_waiting.TryDequeue(out var piece))
            {
                ThreadPool.UnsafeQueueUserWorkItem(piece, preferLocal: false);
            }
            else if (_spare.TryDequeue(out var spare))
            {
                ThreadPool.UnsafeQueueUserWorkItem(spare, preferLocal: false);
            }
            else
            {
                Interlocked.Decrement(ref _queued); // taken by another thread meanwhile: look again
            }
        }
    }

    // A place given back by a piece or spare work that finished: the next waiting one is queued.
    internal void Release()
    {
        Interlocked.Decrement(ref _queued);
        QueueWhatFits();
    }

    private sealed class Piece<T>(ComputeLane lane, Func<T> work) : IThreadPoolWorkItem
    {
        // Asynchronous continuations: a caller that is not a grain turn does not run on in this piece's place.
        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Execute()
        {
            T result = default!;
            Exception? failure = null;
            try
            {
                result = work();
            }
            catch (Exception e)
            {
                failure = e;
            }
            finally
            {
                // The next piece goes to the back of the shared queue before the caller is told.
                try
                {
                    lane.Release();
                }
                finally
                {
                    if (failure is null)
                    {
                        Completion.SetResult(result);
                    }
                    else
                    {
                        Completion.SetException(failure);
                    }
                }
            }
        }
    }
}
