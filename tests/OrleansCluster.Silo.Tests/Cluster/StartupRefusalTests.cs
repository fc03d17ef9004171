using System.Globalization;
using OrleansCluster.Silo.Tests.Api;
using OrleansCluster.Testing;

namespace OrleansCluster.Silo.Tests.Cluster;

/// <summary>
/// A setting out of its bounds stops the silo process at start with exit code 1 and one line naming the setting at
/// fault, as a port conflict does, rather than as an unhandled exception (a stack trace, then an abort: exit code
/// 134). In process, under WebApplicationFactory, the same setting still fails the start with the exception itself
/// (<c>LimitsTests.LimitOutOfItsRangeStopsTheSiloAtStart</c>).
/// </summary>
public sealed class StartupRefusalTests
{
    [Theory]
    [InlineData("Simulation:Speed", "0", "'Speed'")] // validated as the host starts
    [InlineData("Orleans:Clustering", "Consul", "Orleans:Clustering")] // read before the host is built
    [InlineData("Telemetry:MaxSites", "0", "Telemetry:MaxSites")] // named in full by its own validator, not as 'MaxSites' of 'TelemetryOptions'
    [InlineData("Telemetry:DcgmMaxGpus", "0", "Telemetry:DcgmMaxGpus")]
    [InlineData("Telemetry:Dcgm:ThermalTimeConstantSeconds", "-1", "Telemetry:Dcgm:ThermalTimeConstantSeconds")]
    public async Task ASettingOutOfItsBoundsStopsTheSiloWithExitCode1AndOneLineNamingIt(string key, string value, string named)
    {
        await using var silo = StartSilo($"--{key}", value);

        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(1, exitCode);
        var refusal = Assert.Single(silo.Lines, l => l.StartsWith("the silo did not start: ", StringComparison.Ordinal));
        Assert.Contains(named, refusal, StringComparison.Ordinal);
        Assert.DoesNotContain(silo.Lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal) || l.StartsWith("Unhandled exception", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("127.0.0.1:18080", "is not a URL (http://HOST:PORT)")] // no scheme
    [InlineData("http://127.0.0.1:99999", "has port 99999, out of range (0 to 65535)")]
    [InlineData("ftp://127.0.0.1:18080", "the scheme 'ftp' is not http or https")]
    [InlineData("http://192.0.2.1:18080", "names 192.0.2.1, not an address of this machine")] // TEST-NET-1: bound nowhere
    public async Task AnHttpAddressKestrelCannotListenOnStopsTheSiloBeforeItStartsWithExitCode1AndOneLineNamingIt(string url, string fault)
    {
        // Found by a newcomer's probe: each started Orleans, then died as Kestrel started (an unhandled exception,
        // 183 lines of stack, exit code 134).
        await using var silo = StartSilo("--urls", url);

        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(1, exitCode);
        var refusal = Assert.Single(silo.Lines); // nothing started before it: no Orleans, no log
        Assert.StartsWith($"the silo did not start: --urls '{url}' ", refusal, StringComparison.Ordinal);
        Assert.Contains(fault, refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ASPNETCORE_HTTP_PORTS", "abc", "'abc' is not a port (a whole number from 0 to 65535; several separated by ';')")]
    [InlineData("ASPNETCORE_HTTP_PORTS", "8080,8081", "'8080,8081' is not a port")] // a comma for Kestrel's ';'
    [InlineData("ASPNETCORE_HTTP_PORTS", "8080;http", "'8080;http': 'http' is not a port")]
    [InlineData("ASPNETCORE_HTTP_PORTS", "99999", "'99999' is out of range (0 to 65535)")]
    [InlineData("ASPNETCORE_HTTP_PORTS", "-1", "'-1' is out of range (0 to 65535)")]
    [InlineData("ASPNETCORE_HTTPS_PORTS", "abc", "'abc' is not a port")]
    public async Task AnHttpPortsValueThatIsNotAPortStopsTheSiloBeforeItStartsWithExitCode1AndOneLineNamingIt(string variable, string value, string fault)
    {
        // Found by a newcomer: ASPNETCORE_HTTP_PORTS=abc (or 8080,8081) started a silo listening on port 80 of every
        // interface, as Kestrel reads "http://*:abc"; 99999 and -1 started Orleans, then died as Kestrel started (an
        // unhandled exception and exit code 134). Refused, nothing is bound: not even port 80.
        await using var silo = ManagedProcess.StartSilo(new Dictionary<string, string> { [variable] = value }, Orleans());

        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(1, exitCode);
        var refusal = Assert.Single(silo.Lines); // nothing started before it: no Orleans, no log
        Assert.StartsWith($"the silo did not start: {variable} '{value}'", refusal, StringComparison.Ordinal);
        Assert.Contains(fault, refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnHttpsAddressWithNoCertificateStopsTheSiloBeforeItStartsWithExitCode1AndOneLineSayingWhatWouldDo()
    {
        // Found by probing: it loaded the scenario, then died as Kestrel started (185 lines, exit code 134). A fresh
        // HOME holds no development certificate.
        var home = Directory.CreateTempSubdirectory("orleanscluster-home-");
        try
        {
            var url = $"https://127.0.0.1:{Port(ManagedProcess.FreePort())}";
            await using var silo = ManagedProcess.StartSilo(new Dictionary<string, string> { ["HOME"] = home.FullName }, ["--urls", url, .. Orleans()]);

            var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(120));

            Assert.Equal(1, exitCode);
            var refusal = Assert.Single(silo.Lines); // nothing started before it: no Orleans, no log
            Assert.StartsWith($"the silo did not start: --urls '{url}' is https, and no certificate is configured", refusal, StringComparison.Ordinal);
            Assert.Contains("Kestrel:Certificates:Default:Path", refusal, StringComparison.Ordinal);
        }
        finally
        {
            home.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task AScenarioFileWhoseFailuresPassMaxLiveFaultsStopsTheSiloWithExitCode1AndOneLineNamingFailures()
    {
        // Found by review: the start checked a file's size and completion but not its background load, so the job
        // grain refused it instead and its ArgumentException went unhandled: a stack trace and exit code 134. 40 GPUs
        // at 100 failures a GPU-hour, each repaired in a day, keep about 768,000 in force within a day, past 10,000.
        var folder = Directory.CreateTempSubdirectory("orleanscluster-startup-");
        var file = Path.Combine(folder.FullName, "flood.json");
        var failures = """ "failures": { "causes": [ { "name": "x", "ratePerGpuHour": 100, "kind": "node.slowdown", "params": { "factor": 1.5 }, "repair": { "medianSeconds": 86400 } } ] },""";
        await File.WriteAllTextAsync(file, TestScenarios.Effects.Replace("\"seed\": 3,", "\"seed\": 3," + failures, StringComparison.Ordinal), TestContext.Current.CancellationToken);
        try
        {
            await using var silo = StartSilo("--Simulation:Scenario", file);

            var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(120));

            Assert.Equal(1, exitCode);
            var refusal = Assert.Single(silo.Lines, l => l.StartsWith("the silo did not start: ", StringComparison.Ordinal));
            Assert.StartsWith($"the silo did not start: Simulation:Scenario '{file}': failures: ", refusal, StringComparison.Ordinal);
            Assert.Contains("Admin:MaxLiveFaults", refusal, StringComparison.Ordinal);
            Assert.DoesNotContain(silo.Lines, l => l.StartsWith("Unhandled exception", StringComparison.Ordinal));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task RedisOutOfReachStopsTheSiloWithExitCode1AndOneLineNamingOrleansRedis()
    {
        // Found by probing: a silo started while Redis was down died of an unhandled RedisConnectionException (three
        // stack traces, then SIGABRT: exit code 134). Nothing listens on this reserved port.
        var redis = $"127.0.0.1:{Port(ManagedProcess.FreePort())}";
        await using var silo = StartSilo("--Orleans:Clustering", "Redis", "--Orleans:Redis", redis);

        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(1, exitCode);
        var refusal = Assert.Single(silo.Lines, l => l.StartsWith("the silo did not start: ", StringComparison.Ordinal));
        Assert.Contains($"no Redis answered at {redis} (Orleans:Redis)", refusal, StringComparison.Ordinal);
        Assert.DoesNotContain(silo.Lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal) || l.StartsWith("Unhandled exception", StringComparison.Ordinal));
    }

    private static ManagedProcess StartSilo(params string[] settings) => ManagedProcess.StartSilo(ManagedProcess.FreePort(), [.. settings, .. Orleans()]);

    private static string[] Orleans() =>
    [
        "--Orleans:ClusterId", $"refusal-{Guid.NewGuid():N}",
        "--Orleans:SiloPort", Port(ManagedProcess.FreePort()), "--Orleans:GatewayPort", Port(ManagedProcess.FreePort()),
    ];

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
