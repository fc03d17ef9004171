using Microsoft.Extensions.Time.Testing;

namespace OrleansCluster.Grains.Tests;

/// <summary>
/// The gate that holds repeated lines to a few per interval and counts the rest (found by probing: background
/// failures at max pace wrote 210 lines a second, one each).
/// </summary>
public sealed class LogGateTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void ABurstPassesItsFirstLinesPerIntervalAndCountsTheRestUntilTaken()
    {
        var gate = new LogGate(_time, TimeSpan.FromSeconds(10), linesPerInterval: 3);

        var passed = Enumerable.Range(0, 10).Count(_ => gate.Open());
        Assert.Equal(3, passed);
        _time.Advance(TimeSpan.FromSeconds(9.9));
        Assert.False(gate.Open()); // still the same interval
        Assert.Equal(8, gate.TakeHeld());
        Assert.Equal(0, gate.TakeHeld()); // taken once

        _time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal(3, Enumerable.Range(0, 5).Count(_ => gate.Open())); // a new interval, a new allowance
        Assert.Equal(2, gate.TakeHeld());
    }

    [Fact]
    public void WithOneLineAnIntervalARetriedFailureWritesOneLinePerInterval()
    {
        var gate = new LogGate(_time, TimeSpan.FromSeconds(10));
        var lines = 0;
        for (var second = 0; second < 30; second++)
        {
            lines += gate.Open() ? 1 : 0;
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(3, lines);
        Assert.Equal(27, gate.TakeHeld());
    }
}
