using System.Globalization;
using OrleansCluster.Testing;

namespace OrleansCluster.Cli.Tests.Commands;

/// <summary>
/// Found by a newcomer's first hour with the built program: errors that pointed the wrong way. With no key at all a
/// command said the silo "refused the admin key", as if one had been given; <c>status --url ...</c> took the URL
/// silently and looked for a gateway on 30000, and its error named <c>--connect-timeout</c> but not
/// <c>--gateway-port</c>, the option that was needed.
/// </summary>
public sealed class MisleadingErrorTests(KestrelCliSiloFixture silo) : IClassFixture<KestrelCliSiloFixture>
{
    [Theory]
    [InlineData("ramp", "--sizes", "40")]
    [InlineData("scrape", "--seconds", "2")]
    public async Task ACommandRunWithoutAKeySaysNoneWasGivenAndHowToGiveOne(params string[] command)
    {
        // CliProcess runs the program without ORLEANSCLUSTER_KEY in its environment.
        var (exit, output, error) = await CliProcess.RunAsync([.. command, "--url", silo.Url]);

        Assert.True(exit == 2, $"exit {exit}: {output}{error}");
        var line = Assert.Single(error.Trim().Split('\n'));
        Assert.StartsWith("error: no admin key was given", line, StringComparison.Ordinal);
        Assert.Contains("--key KEY", line, StringComparison.Ordinal);
        Assert.Contains("ORLEANSCLUSTER_KEY", line, StringComparison.Ordinal);
        Assert.DoesNotContain("refused the admin key", line, StringComparison.Ordinal);
        Assert.Equal(string.Empty, output);
    }

    [Theory]
    [InlineData("--url")]
    [InlineData("--silo")]
    public async Task StatusGivenAnHttpAddressRefusesItNamingTheGatewayPortOption(string option)
    {
        var (exit, output, error) = await CliProcess.RunAsync("status", option, silo.Url);

        Assert.True(exit == 2, $"exit {exit}: {output}{error}");
        var line = Assert.Single(error.Trim().Split('\n'));
        Assert.StartsWith("error: status does not use --url or --silo", line, StringComparison.Ordinal);
        Assert.Contains("--gateway-port", line, StringComparison.Ordinal);
        Assert.Equal(string.Empty, output);
    }

    [Fact]
    public async Task StatusThatFindsNoGatewayNamesTheGatewayPortOption()
    {
        var port = ManagedProcess.FreePort().ToString(CultureInfo.InvariantCulture);

        var (exit, output, error) = await CliProcess.RunAsync("status", "--gateway-port", port, "--connect-timeout", "5");

        Assert.True(exit == 2, $"exit {exit}: {output}{error}");
        var line = Assert.Single(error.Trim().Split('\n'));
        Assert.Contains($"the gateway 127.0.0.1:{port} (--gateway-port)", line, StringComparison.Ordinal);
        Assert.Contains("(--cluster-id)", line, StringComparison.Ordinal);
        Assert.Contains("--connect-timeout", line, StringComparison.Ordinal);
    }
}
