using System.Diagnostics;
using OrleansCluster.Testing;

namespace OrleansCluster.Cli.Tests;

/// <summary>The built <c>orleanscluster</c> program run as users run it: its exit code, standard output and error.</summary>
public static class CliProcess
{
    public static Task<(int Exit, string Output, string Error)> RunAsync(params string[] arguments) =>
        RunAsync(null, new Dictionary<string, string>(), arguments);

    public static async Task<(int Exit, string Output, string Error)> RunAsync(string? folder, Dictionary<string, string> environment, params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(arguments);
        var cli = ManagedProcess.BuiltProgram("OrleansCluster.Cli", "orleanscluster.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = folder ?? Environment.CurrentDirectory };
        info.Environment.Remove("ORLEANSCLUSTER_KEY");
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        info.ArgumentList.Add(cli);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the CLI");
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
