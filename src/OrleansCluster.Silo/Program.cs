using OrleansCluster.Silo.Api;
using OrleansCluster.Silo.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.UseDefaultLoopbackUrl();
builder.AddOrleansSilo();
builder.AddSimulation();
builder.AddApiDefaults();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapHealthChecks("/healthz");
app.MapClusterApi();

app.Run();

/// <summary>The entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
