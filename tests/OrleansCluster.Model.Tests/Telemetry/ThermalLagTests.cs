using OrleansCluster.Model.Telemetry;

namespace OrleansCluster.Model.Tests.Telemetry;

/// <summary>The first-order lag of a GPU's temperature behind its power, against its closed form.</summary>
public sealed class ThermalLagTests
{
    private const double Tau = ThermalLag.DefaultTimeConstantSeconds;

    [Fact]
    public void AfterOneTimeConstantTheTemperatureHasMovedSixtyThreePercentOfTheStep()
    {
        // From 70 C toward 40 C: 1 - 1/e of the 30 C step after tau, 1 - 1/e^3 (95 %) after 3 tau.
        Assert.Equal(40 + (30 / Math.E), ThermalLag.Step(70, 40, Tau, Tau), 12);
        Assert.Equal(40 + (30 * Math.Exp(-3)), ThermalLag.Step(70, 40, 3 * Tau, Tau), 12);
        Assert.Equal(70 - (30 / Math.E), ThermalLag.Step(40, 70, Tau, Tau), 12); // warming alike
    }

    [Fact]
    public void StepsCompose()
    {
        // Two scrapes 5 s apart read as one 10 s later: the page's scrape interval does not change the curve.
        var twice = ThermalLag.Step(ThermalLag.Step(70, 40, 5, Tau), 40, 5, Tau);
        Assert.Equal(ThermalLag.Step(70, 40, 10, Tau), twice, 12);
    }

    [Fact]
    public void NoPreviousReadingOrNoLagReadsTheTargetAndNoTimeThePreviousReading()
    {
        Assert.Equal(40, ThermalLag.Step(double.NaN, 40, 5, Tau));
        Assert.Equal(40, ThermalLag.Step(70, 40, 5, timeConstantSeconds: 0));
        Assert.Equal(40, ThermalLag.Step(70, 40, double.PositiveInfinity, Tau));
        Assert.Equal(70, ThermalLag.Step(70, 40, 0, Tau));
        Assert.Equal(70, ThermalLag.Step(70, 40, double.NaN, Tau));
        Assert.Equal(70, ThermalLag.Step(70, 40, -1, Tau)); // a clock that went back moves nothing
    }
}
