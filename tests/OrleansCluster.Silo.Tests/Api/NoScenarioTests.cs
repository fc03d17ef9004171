using System.Net;

namespace OrleansCluster.Silo.Tests.Api;

/// <summary>Fault injections before any scenario is loaded (Simulation:StartOnLaunch=false).</summary>
public sealed class NoScenarioTests
{
    [Fact]
    public async Task AnInjectionOrCampaignWithNoScenarioLoadedIs409AsTheOtherRoutesAnswerIt()
    {
        // Found by probing: answered 400 with errors {"": [...]} and the detail ": no scenario is running".
        await using var factory = new SiloFactory
        {
            Settings = new Dictionary<string, string> { ["Simulation:StartOnLaunch"] = "false", ["Simulation:LogIntervalSeconds"] = "3600" },
        };
        using var client = factory.CreateAdminClient();
        const string fault = """{"kind":"node.slowdown","target":{"node":"west-00001"},"params":{"factor":2}}""";

        var inject = await client.PostJsonAsync("/api/faults", fault);
        var campaign = await client.PostJsonAsync("/api/faults/campaign", $$"""{"name":"early","faults":[{{fault}}]}""");

        foreach (var (status, problem, _) in new[] { inject, campaign })
        {
            Assert.Equal(HttpStatusCode.Conflict, status);
            Assert.Contains("PUT /api/scenario", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(0, (await client.GetJsonAsync("/api/faults")).GetArrayLength());
    }

    [Fact]
    public async Task TheClusterWithNoScenarioLoadedSaysItsLinksWereNotReadNow()
    {
        // Found by review: /api/cluster fell back silently to the job's own links where it had no scenario to read them on.
        await using var factory = new SiloFactory
        {
            Settings = new Dictionary<string, string> { ["Simulation:StartOnLaunch"] = "false", ["Simulation:LogIntervalSeconds"] = "3600" },
        };
        using var client = factory.CreateAdminClient();

        var cluster = await client.GetJsonAsync("/api/cluster");

        Assert.Equal(string.Empty, cluster.GetProperty("scenario").GetString());
        Assert.Equal(0, cluster.GetProperty("links").GetArrayLength());
        Assert.True(cluster.GetProperty("linksFromLastStep").GetBoolean(), $"no scenario to read the links on: {cluster}");
    }

    [Fact]
    public async Task APaceConfiguredForASiloThatStartsNothingIsSaidNotToApply()
    {
        // Found by probing: --Simulation:Pace=max with StartOnLaunch=false ran the scenario loaded later at realtime x1, silently.
        await using var factory = new SiloFactory
        {
            Pace = "max",
            Settings = new Dictionary<string, string> { ["Simulation:StartOnLaunch"] = "false", ["Simulation:LogIntervalSeconds"] = "3600" },
        };
        using var client = factory.CreateAdminClient();

        var (status, _, _) = await client.SendJsonAsync(HttpMethod.Put, "/api/scenario", """{"preset":"small"}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var pace = (await client.GetJsonAsync("/api/cluster")).GetProperty("job").GetProperty("pace");
        Assert.Equal("realtime", pace.GetProperty("mode").GetString());
        var warning = await factory.Logs.WaitForLogAsync(l => l.Contains("not applied: Simulation:StartOnLaunch is false", StringComparison.Ordinal), "of the pace not applied");
        Assert.Contains("Simulation:Pace", warning[..warning.IndexOf(" not applied", StringComparison.Ordinal)], StringComparison.Ordinal);
    }
}
