using OrleansCluster.Silo.Api;
using OrleansCluster.Silo.Extensions;
using OrleansCluster.Silo.Telemetry;
using OrleansCluster.Silo.Simulation;

// --help or -h: the usage, and nothing started (found by probing: it started a full silo on the default ports).
if (args.Any(a => a is "--help" or "-h"))
{
    Console.Out.Write(Program.Usage);
    return 0;
}

StartupRefusal.RefuseInvalidSettingsInOneLine();

// Run from another folder (`dotnet path/to/OrleansCluster.Silo.dll`, as the benchmarks and the process tests
// do), the content root is that folder; appsettings.json is read from beside the program instead.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    ContentRootPath = File.Exists(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json")) ? null : AppContext.BaseDirectory,
});

if (HttpUrls.Refusal(builder.Configuration, args) is { } unusable)
{
    // One line and a failing exit code, before Orleans starts: Kestrel would refuse the address only once it had (HttpUrls).
    Console.Error.WriteLine(unusable);
    return 1;
}

builder.UseDefaultLoopbackUrl();
builder.UseInlineRequestScheduling();
if (builder.OrleansPortConflict() is { } conflict)
{
    // One line and a failing exit code, before Orleans would bind beside the other process (see OrleansPorts).
    Console.Error.WriteLine(conflict);
    return 1;
}

if (await builder.RedisOutOfReachAsync() is { } unreachable)
{
    // One line and a failing exit code, rather than Orleans' traces and an abort as its membership fails to connect.
    Console.Error.WriteLine(unreachable);
    return 1;
}

builder.AddOrleansSilo();
builder.AddSimulation();
builder.AddAdminSecurity();
builder.AddTelemetry();
builder.AddApiDefaults();

var app = builder.Build();
app.ValidateSettings(); // a setting out of its bounds stops here, in one line (StartupRefusal)
app.WarnOfUnknownSettings(); // a misspelt key would otherwise leave its setting at the default, silently
app.WarnOfDcgmSettingsWithoutDcgm(); // so would a dcgm setting without the dcgm series on
if (app.HttpPortConflict() is { } taken)
{
    Console.Error.WriteLine(taken);
    return 1;
}

app.UseExceptionHandler();
app.UseLivePage();
app.UseApiStatusCodePages();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();

app.UseMetricsEndpoint();
app.MapHealthEndpoint();
app.MapApiDocuments();
app.MapAdminApi();

app.Run();
return 0;

/// <summary>The entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program
{
    /// <summary>What <c>--help</c> prints: how to run the silo and its main settings (README.md holds them all).</summary>
    public const string Usage = """
        OrleansCluster silo: a live simulation of a multi-site GPU training cluster, with its admin API (/api),
        metrics (/metrics) and live page (/) over HTTP.

        Usage: dotnet OrleansCluster.Silo.dll [--Section:Key=value | --Section:Key value]...
               dotnet OrleansCluster.Silo.dll --help | -h     this text; starts nothing

        Settings also come from appsettings.json and the environment (Section__Key); a value out of its bounds stops
        the silo at start with exit code 1, naming it.
          Simulation:Scenario       small                  a preset (small, uniform, colossus) or a scenario JSON file
          Simulation:Pace           realtime               realtime or max
          Simulation:Speed          1                      speed-up at realtime pace, within (0, 1e6]
          Simulation:StartOnLaunch  true                   load the scenario and start the job once the silo is up
          --urls, ASPNETCORE_URLS   http://127.0.0.1:8080  where HTTP listens: http://HOST:PORT, HOST an address of this
                                                           machine (0.0.0.0: every interface)
          Orleans:ClusterId         orleanscluster         the silo's cluster
          Orleans:SiloPort          11111                  silo-to-silo port
          Orleans:GatewayPort       30000                  client gateway port
          Orleans:Clustering        Localhost              Localhost, or Redis (with Orleans:Redis) for several silos
          Admin:ApiKey              generated              the admin key (X-Api-Key); give it in the environment
                                                           (Admin__ApiKey), not on the command line
          Admin:MaxBodyBytes        1 MiB                  the largest request body
          Telemetry:PerNode         false                  one compute series per node
          Telemetry:Dcgm            false                  dcgm-exporter-compatible per-GPU series
          Telemetry:MaxSites        64                     sites /metrics names, the rest as site="other", [1, 100000]

        Every setting and its default: README.md (Configuration); the limits: docs/admin-api.md#limits; the
        admin API: docs/admin-api.md; the scenario format: docs/scenarios.md.

        """;
}
