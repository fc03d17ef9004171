using System.Globalization;
using System.Text.RegularExpressions;
using OrleansCluster.Silo.Tests.Api;

namespace OrleansCluster.Silo.Tests.Telemetry;

/// <summary>
/// Two silos in one process, as in this test run or an application that embeds several: OpenTelemetry takes meters by
/// name across the process, so without the host's own view each <c>/metrics</c> page summed every host's series of
/// the same name, and one host's shutdown retired the shared series on the other's page (found in CI: a page with none
/// of its simulation series for a minute).
/// </summary>
public sealed partial class HostScopedMetricsTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task EachPageCountsItsOwnHostsStepsAndKeepsThemWhenAnotherHostStops()
    {
        await using var first = new SiloFactory { Scenario = "small", Pace = "max" };
        var second = new SiloFactory { Scenario = "small", Pace = "max" };
        try
        {
            using var firstClient = first.CreateAdminClient();
            using var secondClient = second.CreateAdminClient();

            // The first host stops stepping; its page settles on the steps its job took.
            await WaitForStepsAsync(firstClient, total => total >= 5, "the first host's steps on its page");
            Assert.Equal("paused", (await firstClient.PostJsonAsync("/api/job/pause")).Body.GetProperty("state").GetString());
            var paused = (await firstClient.GetJsonAsync("/api/cluster")).Step();
            var firstTotal = await WaitForStepsAsync(firstClient, total => total == paused, $"the page to count the {paused} steps of the paused job");

            // The second host runs on, well past the first: the first's page does not move.
            await WaitForStepsAsync(secondClient, total => total >= (2 * firstTotal) + 50, "the second host's steps on its page");
            Assert.Equal(firstTotal, await StepsOnPageAsync(firstClient));

            // The second host stops; the first resumes and its page goes on counting its steps.
            await second.DisposeAsync();
            Assert.Equal("running", (await firstClient.PostJsonAsync("/api/job/resume")).Body.GetProperty("state").GetString());
            var seen = firstTotal;
            for (var rise = 0; rise < 3; rise++)
            {
                var before = seen;
                seen = await WaitForStepsAsync(firstClient, total => total > before, $"the first host's page to count on past {before} after the second stopped");
            }
        }
        finally
        {
            await second.DisposeAsync();
        }
    }

    /// <summary>Reads the page until its <c>gpusim_steps_total</c> (all outcomes) meets <paramref name="condition"/>.</summary>
    private static async Task<double> WaitForStepsAsync(HttpClient client, Func<double, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Deadline;
        double? total;
        while ((total = await StepsOnPageAsync(client)) is not { } value || !condition(value))
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}; last read {total?.ToString(CultureInfo.InvariantCulture) ?? "no gpusim_steps_total series"}");
            await Task.Delay(50, AdminClient.Ct);
        }

        return total.Value;
    }

    /// <summary>The page's <c>gpusim_steps_total</c> summed over its series; null when the page has none.</summary>
    private static async Task<double?> StepsOnPageAsync(HttpClient client)
    {
        var page = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative), AdminClient.Ct);
        var series = Steps().Matches(page);
        return series.Count == 0 ? null : series.Sum(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"^gpusim_steps_total\{[^}]*\} (?<value>\S+)", RegexOptions.Multiline)]
    private static partial Regex Steps();
}
