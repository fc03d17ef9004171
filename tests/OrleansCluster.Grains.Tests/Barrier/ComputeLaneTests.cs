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
    public async Task SpareWorkWaitsUntilNoPieceDoesEvenOneOfferedBeforeThem()
    {
        var lane = new ComputeLane(1);
        using var gate = new ManualResetEventSlim();
        var ran = new List<string>();
        var spare = new RecordingSpare(() => Record(ran, "spare"));

        var first = lane.Run(() =>
        {
            gate.Wait(Deadline);
            return Record(ran, "first");
        });
        lane.Offer(spare); // offered while the only place is taken, before the second piece
        var second = lane.Run(() => Record(ran, "second"));
        Assert.Equal((1, 1), (lane.Waiting, lane.SpareWaiting));

        gate.Set();
        await Task.WhenAll(first, second).WaitAsync(Deadline, TestContext.Current.CancellationToken);
        await WaitUntilAsync(() => spare.Done);

        Assert.Equal(["first", "second", "spare"], ran);
        await spare.SettleAsync().WaitAsync(Deadline, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task SpareWorkTakenBackBeforeItStartsNeverRunsAndMayBeOfferedAgain()
    {
        var lane = new ComputeLane(1);
        using var gate = new ManualResetEventSlim();
        var runs = 0;
        var spare = new RecordingSpare(() => Interlocked.Increment(ref runs));
        var holding = lane.Run(() => gate.Wait(Deadline));
        lane.Offer(spare);

        var settled = spare.SettleAsync();
        Assert.True(settled.IsCompletedSuccessfully); // not started: taken back at once
        Assert.True(await settled);
        gate.Set();
        await holding.WaitAsync(Deadline, TestContext.Current.CancellationToken);
        Assert.Equal(7, await lane.Run(() => 7).WaitAsync(Deadline, TestContext.Current.CancellationToken)); // its old place has come round
        Assert.Equal(0, Volatile.Read(ref runs));
        Assert.False(spare.Done);

        lane.Offer(spare);
        await WaitUntilAsync(() => spare.Done);
        Assert.Equal(1, Volatile.Read(ref runs));
    }

    [Fact]
    public async Task SpareWorkTakenBackAndOfferedAgainBeforeItsEntryCameRoundKeepsOneEntryAndRunsOnce()
    {
        const int width = 2;
        var lane = new ComputeLane(width);
        using var gate = new ManualResetEventSlim();
        var runs = 0;
        var spare = new RecordingSpare(() => Interlocked.Increment(ref runs));
        var holding = Enumerable.Range(0, width).Select(_ => lane.Run(() => gate.Wait(Deadline))).ToArray();

        for (var k = 0; k < 5; k++)
        {
            lane.Offer(spare);
            Assert.True(await spare.SettleAsync()); // taken back, as a block's next step takes back its draw ahead
        }

        lane.Offer(spare);
        Assert.Equal(1, lane.SpareWaiting); // one entry, however often offered and taken back

        gate.Set();
        await Task.WhenAll(holding).WaitAsync(Deadline, TestContext.Current.CancellationToken);
        await WaitUntilAsync(() => spare.Done);
        Assert.Equal(1, Volatile.Read(ref runs));
        Assert.False(await spare.SettleAsync()); // done: nothing to take back

        // Every place is free again: `width` pieces run at once.
        var together = 0;
        using var all = new CountdownEvent(width);
        var pieces = Enumerable.Range(0, width).Select(_ => lane.Run(() =>
        {
            Interlocked.Increment(ref together);
            all.Signal();
            return all.Wait(Deadline);
        })).ToArray();
        Assert.All(await Task.WhenAll(pieces).WaitAsync(Deadline, TestContext.Current.CancellationToken), Assert.True);
        Assert.Equal(width, together);
    }

    [Fact]
    public async Task SettlingSpareWorkThatIsRunningWaitsForItsEnd()
    {
        var lane = new ComputeLane(1);
        using var started = new ManualResetEventSlim();
        using var gate = new ManualResetEventSlim();
        var finished = false;
        var spare = new RecordingSpare(() =>
        {
            started.Set();
            gate.Wait(Deadline);
            Volatile.Write(ref finished, true);
        });

        lane.Offer(spare);
        Assert.True(started.Wait(Deadline, TestContext.Current.CancellationToken));
        var settled = spare.SettleAsync();
        Assert.False(settled.IsCompleted);
        Assert.Throws<InvalidOperationException>(() => lane.Offer(spare)); // one offer pending at a time

        gate.Set();
        await settled.WaitAsync(Deadline, TestContext.Current.CancellationToken);
        Assert.True(Volatile.Read(ref finished));
        Assert.True(spare.Done);
    }

    [Fact]
    public async Task FailingSpareWorkIsDroppedAsNotDoneAndFreesItsPlace()
    {
        var lane = new ComputeLane(1);
        var spare = new RecordingSpare(() => throw new InvalidOperationException("drawn ahead and failed"));

        lane.Offer(spare);
        Assert.Equal(42, await lane.Run(() => 42).WaitAsync(Deadline, TestContext.Current.CancellationToken));
        await spare.SettleAsync().WaitAsync(Deadline, TestContext.Current.CancellationToken);

        Assert.False(spare.Done);
        Assert.Equal(0, lane.SpareWaiting);
    }

    [Fact]
    public void AQueueHasAPlaceAtLeast() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ComputeLane(0));

    private static int Record(List<string> ran, string name)
    {
        lock (ran)
        {
            ran.Add(name);
            return ran.Count;
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Deadline);
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    private sealed class RecordingSpare(Action work) : SpareWork
    {
        protected override void Work() => work();
    }
}
