namespace OrleansCluster.Grains.Tests;

public sealed class RecordSequenceTests
{
    [Fact]
    public void AHandedOverActivationTakesTheOldOnesLateWriteForItsOwnAndWritesPastIt()
    {
        // The old activation landed write 5, then stamped write 6, which a paused Redis runs late; the record handed over
        // holds 6. Found by review: the hand-over stamped again (7), the next activation knew 7 as landed, and the late
        // write 6 was taken for storage gone back in time.
        var old = new RecordSequence();
        old.Stamp(4);
        old.Landed(5);
        var next = new RecordSequence();
        next.Continue(old.Writer, old.Known);

        Assert.Equal(RecordSequence.Stored.Mine, next.Judge(exists: true, old.Writer, sequence: 6));
        Assert.Equal(7, next.Stamp(6));
    }

    [Fact]
    public void AHandedOverActivationWritesPastTheRecordHandedOverNotTheLastLanded()
    {
        var next = new RecordSequence();
        next.Continue(Guid.NewGuid(), known: 5);

        Assert.Equal(5, next.Known);
        Assert.Equal(9, next.Stamp(8)); // the record handed over holds write 8, in flight: the next is past it
        Assert.Equal(RecordSequence.Stored.Older, next.Judge(exists: true, Guid.NewGuid(), sequence: 4));
        Assert.Equal(RecordSequence.Stored.Later, next.Judge(exists: true, Guid.NewGuid(), sequence: 10));
    }
}
