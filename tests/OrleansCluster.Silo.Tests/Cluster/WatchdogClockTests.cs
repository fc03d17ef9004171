using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace OrleansCluster.Silo.Tests.Cluster;

/// <summary>
/// Orleans' watchdog can read its component-check stamp before setting it (0) and then warn of a possible deadlock
/// lasting the machine's uptime, as the first line of a start. The race cannot be forced from outside, so this
/// checks the condition it needs: the clock the silo hands the watchdog reads an unset stamp as recent.
/// </summary>
public sealed class WatchdogClockTests(SiloFixture fixture) : IClassFixture<SiloFixture>
{
    [Fact]
    public void AnUnsetWatchdogStampReadsAsRecentNotAsTheMachinesUptime()
    {
        var services = fixture.Factory.Services;
        var runtime = AppDomain.CurrentDomain.GetAssemblies().Single(a => a.GetName().Name == "Orleans.Runtime");
        var watchdog = runtime.GetType("Orleans.Runtime.Watchdog", throwOnError: true)!;
        var clockKey = watchdog.GetConstructors().Single().GetParameters()
            .Single(p => p.ParameterType == typeof(TimeProvider)).GetCustomAttribute<FromKeyedServicesAttribute>()!.Key;

        var clock = services.GetRequiredKeyedService<TimeProvider>(clockKey);

        var threshold = services.GetRequiredService<IOptions<ClusterMembershipOptions>>().Value.LocalHealthDegradationMonitoringPeriod * 2;
        Assert.True(clock.GetElapsedTime(0) < threshold, $"an unset stamp reads as {clock.GetElapsedTime(0)} ago (warned above {threshold})");
    }
}
