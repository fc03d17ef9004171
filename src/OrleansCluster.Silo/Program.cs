using OrleansCluster.Silo.Api;
using OrleansCluster.Silo.Extensions;
using OrleansCluster.Silo.Telemetry;

var builder = WebApplication.CreateBuilder(args);

builder.UseDefaultLoopbackUrl();
builder.AddOrleansSilo();
builder.AddSimulation();
builder.AddAdminSecurity();
builder.AddTelemetry();
builder.AddApiDefaults();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();

app.UseMetricsEndpoint();
app.MapHealthChecks("/healthz");
app.MapApiDocuments();
app.MapAdminApi();

app.Run();

/// <summary>The entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
