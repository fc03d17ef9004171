using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Cli.Tests.Commands;

/// <summary>
/// <c>orleanscluster campaign FILE</c> as a user runs it, against a silo on 127.0.0.1: it ends with the command that
/// clears the faults it left in force, on a line of its own, and <c>--clear</c> clears them, an earlier replay's of the
/// same campaign too.
/// </summary>
public sealed class CampaignCommandLineTests(KestrelCliSiloFixture silo) : IClassFixture<KestrelCliSiloFixture>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("orleanscluster-campaign-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task ACampaignEndsWithTheCommandThatClearsItsFaultsAndClearClearsThem()
    {
        var file = Path.Combine(_folder, "lasting.json");
        await File.WriteAllTextAsync(file, """
            { "name": "lasting", "faults": [ { "kind": "node.slowdown", "target": { "node": "east-00004" }, "params": { "factor": 2 } } ] }
            """, Ct);
        var environment = new Dictionary<string, string> { [SiloApi.KeyVariable] = CliSiloFixture.Key };
        using var client = silo.Target.CreateClient();
        try
        {
            var (exit, output, error) = await CliProcess.RunAsync(null, environment, "campaign", file, "--seconds", "3", "--url", silo.Url);

            Assert.True(exit == 0, $"exit {exit}: {output}{error}");
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.Equal($"curl -s -X DELETE -H \"Authorization: Bearer ${SiloApi.KeyVariable}\" '{silo.Url}/api/faults?campaign=lasting'", lines[^1]);
            Assert.Contains("1 of its faults still pending or in force", output, StringComparison.Ordinal);
            var first = Assert.Single(await SiloApi.GetAsync<Fault[]>(client, "/api/faults?campaign=lasting", Ct));
            Assert.Equal(FaultState.Active, first.State);

            (exit, output, error) = await CliProcess.RunAsync(null, environment, "campaign", file, "--seconds", "3", "--url", silo.Url, "--clear");

            Assert.True(exit == 0, $"exit {exit}: {output}{error}");
            Assert.Contains("--clear: cleared 2 fault(s) of campaign lasting still pending or in force, 1 of them of an earlier campaign of this name", output.ReplaceLineEndings(" "), StringComparison.Ordinal);
            Assert.DoesNotContain("curl", output, StringComparison.Ordinal);
            Assert.Empty(await SiloApi.GetAsync<Fault[]>(client, "/api/faults?campaign=lasting", Ct));
            Assert.Equal(FaultState.Cleared, (await SiloApi.GetAsync<Fault>(client, $"/api/faults/{first.Id}", Ct)).State);
        }
        finally
        {
            await SiloApi.SendAsync(client, HttpMethod.Delete, "/api/faults", null, Ct);
        }
    }
}
