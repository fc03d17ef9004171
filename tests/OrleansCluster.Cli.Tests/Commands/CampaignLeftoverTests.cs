using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Cli.Commands;

namespace OrleansCluster.Cli.Tests.Commands;

/// <summary>
/// A campaign's faults outlive its replay. Found by a newcomer: <c>campaign small-aging-link.json --seconds 120</c> ended
/// "6 fault(s) landed..." and left all six in force without saying so. The end now lists them with the command that
/// clears them, and <c>--clear</c> clears them.
/// </summary>
public sealed class CampaignLeftoverTests(CliSiloFixture silo) : IClassFixture<CliSiloFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // One fault in force until cleared, and one that has ended (1 s) before the replay's end.
    private static string Campaign(string name) => $$"""
        { "name": "{{name}}", "faults": [
          { "kind": "node.slowdown", "target": { "node": "east-00003" }, "params": { "factor": 2 } },
          { "kind": "link.latency", "target": { "link": "west-east" }, "params": { "addMilliseconds": 1 }, "durationSeconds": 1 } ] }
        """;

    [Fact]
    public async Task TheEndListsTheFaultsStillInForceAndTheCommandThatClearsThem()
    {
        using var client = silo.CreateTargetClient();
        CampaignReplay.Report report;
        try
        {
            report = await CampaignReplay.RunAsync(client, Campaign("left-on"), TimeSpan.FromSeconds(6), null, Ct);

            var left = Assert.IsType<CampaignReplay.Leftover>(report.Left);
            var still = Assert.Single(left.Faults!);
            Assert.Equal(("node.slowdown", "in force", (double?)null), (still.Kind, still.State, still.EndsInSeconds));
            Assert.Null(left.Cleared);
            var command = Assert.IsType<string>(left.ClearCommand);
            Assert.Contains($"1 of its faults still pending or in force ({still.Id})", report.Summary(), StringComparison.Ordinal);
            Assert.Contains($"clear them with: {command}", report.Summary(), StringComparison.Ordinal);
            Assert.Contains(report.Tables(), t => t.Title.StartsWith("Its faults still pending or in force", StringComparison.Ordinal) && t.Rows.Single()[0] == still.Id);
            Assert.DoesNotContain(CliSiloFixture.Key, command, StringComparison.Ordinal);

            // The command as printed clears them: its DELETE and address, sent with the key it names by its variable.
            Assert.StartsWith("curl -s -X DELETE -H \"Authorization: Bearer $ORLEANSCLUSTER_KEY\" '", command, StringComparison.Ordinal);
            var url = new Uri(command.Split('\'')[1]);
            Assert.Equal(("/api/faults", "?campaign=left-on"), (url.AbsolutePath, url.Query));
            await SiloApi.SendAsync(client, HttpMethod.Delete, url.PathAndQuery, null, Ct);
            Assert.Equal(FaultState.Cleared, (await SiloApi.GetAsync<Fault>(client, $"/api/faults/{still.Id}", Ct)).State);
        }
        finally
        {
            await SiloApi.SendAsync(client, HttpMethod.Delete, "/api/faults", null, Ct);
        }
    }

    [Fact]
    public async Task WithClearTheEndClearsTheCampaignsFaultsAndNoOtherFault()
    {
        using var client = silo.CreateTargetClient();
        try
        {
            var other = System.Text.Json.JsonSerializer.Deserialize<Fault>(
                await SiloApi.SendAsync(client, HttpMethod.Post, "/api/faults", """{"kind":"node.slowdown","target":{"node":"west-00001"},"params":{"factor":2}}""", Ct),
                SiloApi.Json)!;

            var report = await CampaignReplay.RunAsync(client, Campaign("left-off"), TimeSpan.FromSeconds(6), clear: true, null, Ct);

            var left = Assert.IsType<CampaignReplay.Leftover>(report.Left);
            Assert.Equal((1, (int?)1, (string?)null), (left.Faults!.Count, left.Cleared, left.ClearCommand));
            Assert.True(report.Held(), report.Summary());
            Assert.Contains("--clear: cleared 1 fault(s) of campaign left-off", report.Summary(), StringComparison.Ordinal);
            Assert.Equal(FaultState.Cleared, (await SiloApi.GetAsync<Fault>(client, $"/api/faults/{left.Faults[0].Id}", Ct)).State);
            Assert.Empty(await SiloApi.GetAsync<Fault[]>(client, "/api/faults?campaign=left-off", Ct));
            Assert.Equal(FaultState.Active, (await SiloApi.GetAsync<Fault>(client, $"/api/faults/{other.Id}", Ct)).State);
        }
        finally
        {
            await SiloApi.SendAsync(client, HttpMethod.Delete, "/api/faults", null, Ct);
        }
    }

    [Fact]
    public async Task CampaignHelpSaysTheFaultsStayAndOffersClear()
    {
        var (exit, output, error) = await CliProcess.RunAsync("campaign", "--help");

        Assert.True(exit == 0, error);
        Assert.Contains("--clear", output, StringComparison.Ordinal);
        Assert.Contains("they stay unless --clear", output, StringComparison.Ordinal);
    }
}
