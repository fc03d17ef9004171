using OrleansCluster.Cli.Commands;
using OrleansCluster.Testing;

namespace OrleansCluster.Cli.Tests.Commands;

/// <summary>A silo of its own on <c>small</c> (sites west and east) for the named-change tests.</summary>
public sealed class WhatIfNamedChangeSiloFixture : CliSiloFixture;

/// <summary>
/// <c>whatif --variants</c> takes named changes, as the API does. Found by a newcomer: <c>--variants drop-site:west</c>
/// answered "error: Could not find file '/tmp/.../drop-site:west'", exit 2.
/// </summary>
public sealed class WhatIfNamedChangeTests(WhatIfNamedChangeSiloFixture silo) : IClassFixture<WhatIfNamedChangeSiloFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void ANamedChangeOrACommaListOfThemIsAVariantEach()
    {
        var body = WhatIf.Request("baseline, drop-site:west,heal-links", 3, null);

        Assert.Equal(
            """{"variants":[{"name":"baseline"},{"change":"drop-site:west"},{"change":"heal-links"}],"steps":3}""",
            body.ToJsonString());
        Assert.Equal("""{"variants":[{"change":"standard"}]}""", WhatIf.Request("standard", null, null).ToJsonString());
    }

    [Fact]
    public async Task ANamedChangeIsEvaluatedAgainstTheLoadedScenario()
    {
        using var client = silo.CreateTargetClient();
        client.Timeout = TimeSpan.FromMinutes(10);

        var report = await WhatIf.RunAsync(client, WhatIf.Request("baseline,drop-site:west", 3, null), Ct);

        Assert.Equal(["baseline", "drop-site:west"], report.Variants.Select(v => v.Name));
        Assert.All(report.Variants, v => Assert.Null(v.Error));
        var baseline = report.Variants[0];
        var dropped = report.Variants[1];
        // small: west holds 160 nodes of 8 GPUs, east the rest.
        Assert.Equal(baseline.Gpus - (160 * 8), dropped.Gpus);
    }

    [Theory]
    [InlineData("drop-sight:west", "--variants 'drop-sight:west' is no file here, nor a named change")]
    [InlineData("baseline,heal-link", "--variants 'baseline,heal-link': 'heal-link' is not a named change")]
    [InlineData("variants.json", "--variants 'variants.json' is no file here, nor a named change")]
    public async Task AValueThatIsNeitherAFileNorANamedChangeIsRefusedSayingWhatItTakes(string value, string start)
    {
        // Refused before anything is called: the address answers nothing.
        var url = $"http://127.0.0.1:{ManagedProcess.FreePort()}";

        var (exit, output, error) = await CliProcess.RunAsync(null, new Dictionary<string, string> { ["ORLEANSCLUSTER_KEY"] = CliSiloFixture.Key }, "whatif", "--url", url, "--variants", value);

        Assert.True(exit == 2, $"exit {exit}: {output}{error}");
        Assert.StartsWith($"error: {start}: it takes standard", error, StringComparison.Ordinal);
        Assert.Contains("drop-site:NAME, drop-generation:NAME, heal-links, balance:proportional, inter-site-every:H", error, StringComparison.Ordinal);
        Assert.Contains("or a JSON file", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Could not find file", error, StringComparison.Ordinal);
    }
}
