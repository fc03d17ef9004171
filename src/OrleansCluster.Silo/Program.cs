using OrleansCluster.Silo.Api;
using OrleansCluster.Silo.Extensions;
using OrleansCluster.Silo.Telemetry;
using OrleansCluster.Silo.Simulation;

StartupRefusal.RefuseInvalidSettingsInOneLine();

// Run from another folder (`dotnet path/to/OrleansCluster.Silo.dll`, as the benchmarks and the process tests
// do), the content root is that folder; appsettings.json is read from beside the program instead.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    ContentRootPath = File.Exists(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json")) ? null : AppContext.BaseDirectory,
});

builder.UseDefaultLoopbackUrl();
builder.UseInlineRequestScheduling();
if (builder.OrleansPortConflict() is { } conflict)
{
    // One line and a failing exit code, before Orleans would bind beside the other process (see OrleansPorts).
    Console.Error.WriteLine(conflict);
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
if (app.HttpPortConflict() is { } taken)
{
    Console.Error.WriteLine(taken);
    return 1;
}

app.UseExceptionHandler();
app.UseLivePage();
app.UseStatusCodePages();
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
public partial class Program;
