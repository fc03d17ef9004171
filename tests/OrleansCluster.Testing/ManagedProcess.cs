using System.Diagnostics;

namespace OrleansCluster.Testing;

/// <summary>Real processes on 127.0.0.1 for the end-to-end tests: the silo as users run it, and Prometheus.</summary>
public sealed class ManagedProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];

    private ManagedProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output.TakeLast(60));
            }
        }
    }

    /// <summary>Every line the process has written so far, standard output and error.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_output)
            {
                return [.. _output];
            }
        }
    }

    public static ManagedProcess Start(string fileName, IEnumerable<string> arguments, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        return new ManagedProcess(Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}"));
    }

    /// <summary>
    /// Sends the process a signal by name (<c>STOP</c>, <c>CONT</c>): a paused Redis keeps its connections and runs
    /// what it was sent once it continues, after its clients have given up on the answers.
    /// </summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {_process.Id} exited {kill.ExitCode}");
        }
    }

    /// <summary>The built silo, started with <c>dotnet</c> as a user would run it.</summary>
    public static ManagedProcess StartSilo(int httpPort, IEnumerable<string> settings)
    {
        var silo = BuiltProgram("OrleansCluster.Silo", "OrleansCluster.Silo.dll");
        return Start("dotnet", [silo, "--urls", $"http://127.0.0.1:{httpPort}", .. settings], Path.GetDirectoryName(silo));
    }

    /// <summary>
    /// The built silo with no <c>--urls</c> and <paramref name="environment"/> added to its own, so that the environment
    /// says where HTTP listens (<c>ASPNETCORE_URLS</c>, <c>ASPNETCORE_HTTP_PORTS</c>).
    /// </summary>
    public static ManagedProcess StartSilo(IReadOnlyDictionary<string, string> environment, IEnumerable<string> settings)
    {
        var silo = BuiltProgram("OrleansCluster.Silo", "OrleansCluster.Silo.dll");
        return Start("dotnet", [silo, .. settings], Path.GetDirectoryName(silo), environment);
    }

    /// <summary>A program of <c>src/</c> as this test run's configuration built it, to start with <c>dotnet</c>.</summary>
    public static string BuiltProgram(string project, string dll)
    {
        var path = Path.Combine(RepositoryRoot(), "src", project, "bin", Configuration(), "net10.0", dll);
        Assert.True(File.Exists(path), $"build the solution first: {path} is missing");
        return path;
    }

    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "OrleansCluster.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("the repository root was not found");
    }

    /// <summary>A port for a process a test starts: see <see cref="PortReservations"/>.</summary>
    public static int FreePort() => PortReservations.Take();

    /// <summary>
    /// A real Prometheus on 127.0.0.1:<paramref name="port"/> with <paramref name="configYaml"/> as its configuration,
    /// its files under <paramref name="folder"/>; answers once Prometheus says it is ready.
    /// </summary>
    public static async Task<ManagedProcess> StartPrometheusAsync(string folder, int port, string configYaml, CancellationToken cancellationToken)
    {
        var config = Path.Combine(folder, "prometheus.yml");
        await File.WriteAllTextAsync(config, configYaml, cancellationToken);
        var prometheus = Start(Tool("prometheus", "prometheus"),
        [
            $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(folder, "tsdb")}",
            $"--web.listen-address=127.0.0.1:{port}", "--log.level=warn",
        ]);
        await prometheus.WaitUntilAnsweringAsync($"http://127.0.0.1:{port}/-/ready");
        return prometheus;
    }

    /// <summary>The path of a required tool, or a failure that says how to install it.</summary>
    public static string Tool(string name, string package)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        Assert.Fail($"{name} is not installed: run ./test.sh, or apt-get install {package}");
        return name;
    }

    /// <summary>Waits until <paramref name="url"/> answers with success, failing with this process's output after two minutes.</summary>
    public async Task WaitUntilAnsweringAsync(string url)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await http.GetAsync(url, TestContext.Current.CancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        Assert.Fail($"{url} did not come up; its output:\n{Output}");
    }

    /// <summary>Asks the process to stop as a service manager would (SIGTERM) and waits for it.</summary>
    public async Task TerminateAsync(TimeSpan limit)
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill!.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(limit);
        await _process.WaitForExitAsync(timeout.Token);
    }

    /// <summary>Waits for the process to end by itself, and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan limit)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(limit);
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static string Configuration() => AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Add(line);
        }
    }
}
