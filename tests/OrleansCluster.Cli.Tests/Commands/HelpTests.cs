namespace OrleansCluster.Cli.Tests.Commands;

/// <summary>What <c>--help</c> lists for a command: the options it takes, and none it refuses or ignores.</summary>
public sealed class HelpTests
{
    [Fact]
    public async Task StatusHelpListsItsOwnOptionsAndNotTheAdminApis()
    {
        // Found by a newcomer: status --help listed --url, --silo and --key, though status --url is refused (exit 2):
        // status reads the job as an Orleans client, through the gateway, not the admin API.
        const string secret = "key-that-must-not-show";
        var (exit, output, error) = await CliProcess.RunAsync(null, new Dictionary<string, string> { ["ORLEANSCLUSTER_KEY"] = secret }, "status", "--help");

        Assert.True(exit == 0, $"exit {exit}: {error}");
        Assert.DoesNotContain(secret, output + error, StringComparison.Ordinal);
        var options = Options(output);
        Assert.Equal(["--cluster-id", "--connect-timeout", "--gateway-port", "--help", "--output", "--redis", "--report"], options.Where(o => o != "-?" && o != "-h").Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("ramp")]
    [InlineData("whatif")]
    public async Task AnAdminApiCommandsHelpStillListsTheAddressAndTheKey(string command)
    {
        var (exit, output, error) = await CliProcess.RunAsync(command, "--help");

        Assert.True(exit == 0, $"exit {exit}: {error}");
        Assert.Superset(new HashSet<string>(["--url", "--key", "--output", "--report"], StringComparer.Ordinal), Options(output).ToHashSet(StringComparer.Ordinal));
    }

    // The names of the options in the help's "Options:" section: each row's first column ("  -?, -h, --help  ..."),
    // a wrapped description's lines being indented further.
    private static List<string> Options(string help)
    {
        var rows = help.Split('\n').Select(l => l.TrimEnd('\r')).SkipWhile(l => l != "Options:").Skip(1).TakeWhile(l => l.Length > 0)
            .Where(l => l.StartsWith("  -", StringComparison.Ordinal));
        return rows.SelectMany(l => l.Trim().Split("  ", 2)[0].Split(',', StringSplitOptions.TrimEntries).Select(name => name.Split(' ')[0])).ToList();
    }
}
