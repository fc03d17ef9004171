using OrleansCluster.Grains.Barrier;

namespace OrleansCluster.Grains.Tests.Barrier;

/// <summary>
/// The lane through which blocks run their step's arithmetic: no more pieces at once than its width, the rest waiting
/// their turn in order, and a piece's result or exception handed to its caller. (What it is for, that a silo busy
/// stepping still sends its calls to the other silos, is measured by <c>bench/scale-out.sh</c>: docs/performance.md.)
/// </summary>
[Collection(Name)] // the width test holds pool threads: alone, so that no silo of another test waits on them
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ComputeLaneTests
{
    public const string Name = "compute-lane";

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task NoMorePiecesRunAtOnceThanTheWidthAndTheRestWaitForAPlace()
    {
        const int width = 2;
        var lane = new ComputeLane(width);
        using var gate = new ManualResetEventSlim();
        var running = 0;
        var most = 0;
        var started = new List<int>();
        var pieces = Enumerable.Range(0, 5 * width).Select(k => lane.Run(() =>
        {
            lock (started)
            {
                started.Add(k);
                most = Math.Max(most, ++running);
            }

            gate.Wait(Deadline);
            lock (started)
            {
                running--;
            }

            return k * k;
        })).ToArray();

        await WaitUntilAsync(() => Volatile.Read(ref running) == width);
        Assert.Equal(4 * width, lane.Waiting); // the others wait for a place, none is in the thread pool's queue

        gate.Set();
        var results = await Task.WhenAll(pieces).WaitAsync(Deadline, TestContext.Current.CancellationToken);

        Assert.Equal(Enumerable.Range(0, 5 * width).Select(k => k * k), results);
        Assert.Equal(width, most);
        Assert.Equal(0, lane.Waiting);
        Assert.Equal(Enumerable.Range(0, 5 * width), started.Order());
    }

    [Fact]
    public async Task PiecesOfAOnePlaceQueueRunOneAfterAnotherInTheOrderTheyCame()
    {
        var lane = new ComputeLane(1);
        var ran = new List<int>();

        await Task.WhenAll(Enumerable.Range(0, 50).Select(k => lane.Run(() =>
        {
            lock (ran)
            {
                ran.Add(k);
            }

            return k;
        }))).WaitAsync(Deadline, TestContext.Current.CancellationToken);

        Assert.Equal(Enumerable.Range(0, 50), ran);
    }

    [Fact]
    public async Task AFailingPieceFailsItsCallerAndFreesItsPlace()
    {
        var lane = new ComputeLane(1);

        var failed = lane.Run<int>(() => throw new InvalidOperationException("the block's arithmetic failed"));
        var next = lane.Run(() => 42);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => failed.WaitAsync(Deadline, TestContext.Current.CancellationToken));
        Assert.Equal("the block's arithmetic failed", e.Message);
        Assert.Equal(42, await next.WaitAsync(Deadline, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task PiecesRunFromManyThreadsAtOnceAllFinishAndNeverMoreThanTheWidthRunTogether()
    {
        foreach (var width in new[] { 1, 2, 3 })
        {
            var lane = new ComputeLane(width);
            var running = 0;
            var most = 0;
            var sum = 0L;
            var callers = Enumerable.Range(0, 8).Select(c => Task.Run(async () =>
            {
                for (var k = 0; k < 500; k++)
                {
                    var value = await lane.Run(() =>
                    {
                        var now = Interlocked.Increment(ref running);
                        int seen;
                        while ((seen = Volatile.Read(ref most)) < now && Interlocked.CompareExchange(ref most, now, seen) != seen)
                        {
                        }

                        Thread.SpinWait(20);
                        Interlocked.Decrement(ref running);
                        return (c * 1000) + k;
                    });
                    Interlocked.Add(ref sum, value);
                }
            })).ToArray();

            await Task.WhenAll(callers).WaitAsync(Deadline, TestContext.Current.CancellationToken);

            Assert.Equal(Enumerable.Range(0, 8).Sum(c => Enumerable.Range(0, 500).Sum(k => (long)(c * 1000) + k)), sum);
            Assert.InRange(most, 1, width);
            Assert.Equal(0, lane.Waiting);
        }
    }

    [Fact]
    public void AQueueHasAPlaceAtLeast() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ComputeLane(0));

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Deadline);
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }
}
