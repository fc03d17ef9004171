using OrleansCluster.Silo.Api;
using OrleansCluster.Silo.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.UseDefaultLoopbackUrl();
builder.AddOrleansSilo();
builder.AddSimulation();
builder.AddAdminSecurity();
builder.AddApiDefaults();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();

app.MapHealthChecks("/healthz");
app.MapApiDocuments();
app.MapAdminApi();

app.Run();

/// <summary>The entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
