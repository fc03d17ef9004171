using System.Diagnostics;
using System.Text.RegularExpressions;
using OrleansCluster.Testing;

namespace OrleansCluster.Cli.Tests;

/// <summary>The built <c>orleanscluster</c> program run as users run it: its exit code, standard output and error.</summary>
public static partial class CliProcess
{
    private const string Script = "/usr/bin/script";

    public static Task<(int Exit, string Output, string Error)> RunAsync(params string[] arguments) =>
        RunAsync(null, new Dictionary<string, string>(), arguments);

    public static Task<(int Exit, string Output, string Error)> RunAsync(string? folder, Dictionary<string, string> environment, params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        return StartAsync("dotnet", [Cli(), .. arguments], folder, environment);
    }

    /// <summary>
    /// The built program on an interactive terminal <paramref name="columns"/> wide: a pseudo-terminal that util-linux's
    /// <c>script</c> opens, sized with <c>stty</c>. Answers the exit code and what the terminal showed, without its
    /// colours and other escape sequences, each line ended by '\n'.
    /// </summary>
    public static async Task<(int Exit, string Screen)> RunInTerminalAsync(int columns, Dictionary<string, string> environment, params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        Assert.True(File.Exists(Script), $"{Script} (util-linux) is needed to run the CLI on a terminal");
        var command = $"stty cols {columns} rows 50; exec {string.Join(' ', new[] { "dotnet", Cli() }.Concat(arguments).Select(Quote))}";
        var (exit, output, error) = await StartAsync(Script, ["--quiet", "--return", "--command", command, "/dev/null"], null, environment);
        return (exit, Escapes().Replace(output + error, string.Empty).Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    private static string Cli() => ManagedProcess.BuiltProgram("OrleansCluster.Cli", "orleanscluster.dll");

    private static string Quote(string argument) => $"'{argument.Replace("'", "'\\''", StringComparison.Ordinal)}'";

    // CSI sequences (colours, the cursor's modes) and the keypad's two-byte modes.
    [GeneratedRegex(@"\x1B\[[0-?]*[ -/]*[@-~]|\x1B[=>]")]
    private static partial Regex Escapes();

    private static async Task<(int Exit, string Output, string Error)> StartAsync(string fileName, IEnumerable<string> arguments, string? folder, Dictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var info = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = folder ?? Environment.CurrentDirectory };
        info.Environment.Remove("ORLEANSCLUSTER_KEY");
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}");
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        limit.CancelAfter(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            // A CLI that hangs is a finding, not a process to leave behind.
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await output, await error);
    }
}
