using OrleansCluster.Model.Failures;

namespace OrleansCluster.Model.Tests.Failures;

public sealed class TrainingTimeTests
{
    [Fact]
    public void EttrMatchesAHandComputedRunWithFailuresAtKnownSteps()
    {
        // Steps of 10 s, a checkpoint every 3 steps costing 5 s, a restart of 20 s; a step fails after the 60 s barrier
        // timeout at step 5 (steps 4 lost) and again at step 7 (nothing since the checkpoint at step 6 is lost).
        var t = TrainingTime.Zero;
        for (var step = 1; step <= 3; step++)
        {
            t = t.AfterStep(10, step % 3 == 0, 5);
        }

        t = t.AfterStep(10, false, 5);   // step 4
        t = t.AfterFailure(60, 20);       // step 5 fails: step 4's 10 s are lost
        t = t.AfterStep(10, false, 5);   // step 4 again
        t = t.AfterStep(10, false, 5);   // 5
        t = t.AfterStep(10, true, 5);    // 6, checkpoint
        t = t.AfterFailure(60, 20);       // 7 fails
        t = t.AfterStep(10, false, 5);   // 7

        // Elapsed: 7 completed steps kept + 1 lost = 80 s of steps, 2 checkpoints = 10 s, 2 failures = 160 s: 250 s.
        // Productive: 70 s.
        Assert.Equal(250, t.ElapsedSeconds, 9);
        Assert.Equal(70, t.ProductiveSeconds, 9);
        Assert.Equal(70.0 / 250, t.Ettr, 12);
    }

    [Fact]
    public void YoungDalyIsTheSquareRootOfTwiceCheckpointTimesMtbf()
    {
        // Llama 3: one interruption every 54 x 24 / 419 = 3.093 h = 11,135 s; a 60 s checkpoint: sqrt(2 * 60 * 11,135) = 1,155.9 s.
        var mtbf = 54.0 * 24 * 3600 / 419;
        Assert.Equal(1155.9, TrainingTime.YoungDalySeconds(60, mtbf), 1);
    }

    [Fact]
    public void ExpectedEttrIsOneLessTheFirstOrderWaste()
    {
        // tau = 1,000 s, C = 10 s, MTBF = 10,000 s, detect 60 s, restart 40 s: 1 - 10/1010 - (500 + 100)/10,000.
        Assert.Equal(1 - (10.0 / 1010) - 0.06, TrainingTime.ExpectedEttr(1000, 10, 10_000, 60, 40), 12);
        Assert.Equal(0, TrainingTime.ExpectedEttr(1000, 10, 100, 60, 40));
    }
}
