using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Testing;
using StackExchange.Redis;

namespace OrleansCluster.Silo.Tests.Api;

/// <summary>
/// A scenario load whose own record is written but whose run the fault registry cannot write (storage out of reach
/// for it): found by review, the answer was the generic 503 "not made" while the job had taken the scenario.
/// </summary>
public sealed class ScenarioLoadStorageTests
{
    [Fact]
    public async Task ALoadTheJobTookButCouldNotLayOutAnswers503SayingSoAndARetryRunsIt()
    {
        var registry = new FailingRunStarts();
        await using var factory = StepsWith(registry);
        using var client = factory.CreateAdminClient();
        await client.WaitForClusterAsync(c => c.Step() >= 2, "the small run to step");

        registry.Failing = true;
        var (status, problem, response) = await client.SendJsonAsync(HttpMethod.Put, "/api/scenario", """{"preset":"uniform"}""");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("the job took the scenario and is stopped on it", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.NotNull(response.Headers.RetryAfter);
        var cluster = await client.GetJsonAsync("/api/cluster");
        Assert.Equal(("uniform", "stopped"), (cluster.GetProperty("scenario").GetString(), cluster.GetProperty("job").GetProperty("state").GetString()));

        registry.Failing = false;
        var (retried, body, _) = await client.SendJsonAsync(HttpMethod.Put, "/api/scenario", """{"preset":"uniform"}""");
        Assert.Equal(HttpStatusCode.OK, retried);
        Assert.Equal("uniform", body.GetProperty("scenario").GetString());
        await client.WaitForClusterAsync(c => c.Step() >= 2, "the uniform run to step");
    }

    [Fact]
    public async Task AReloadOfTheScenarioRunningThatStoppedTheJobSaysSoToo()
    {
        // Found by review: a reload of the scenario already loaded, halted and written, answered "was not made".
        var registry = new FailingRunStarts();
        await using var factory = StepsWith(registry);
        using var client = factory.CreateAdminClient();
        await client.WaitForClusterAsync(c => c.Step() >= 2, "the small run to step");

        registry.Failing = true;
        var (status, problem, _) = await client.SendJsonAsync(HttpMethod.Put, "/api/scenario", """{"preset":"small"}""");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("the job took the scenario and is stopped on it", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("stopped", (await client.GetJsonAsync("/api/cluster")).GetProperty("job").GetProperty("state").GetString());
    }

    // A silo on small whose registry's run starts fail while the filter says so.
    private static SiloFactory StepsWith(FailingRunStarts registry) => new()
    {
        ExtraServices = services => services.AddSingleton<IIncomingGrainCallFilter>(registry),
    };

    // Fails the registry's run starts, as its Redis out of reach does, while Failing is set; every other call passes.
    private sealed class FailingRunStarts : IIncomingGrainCallFilter
    {
        private volatile bool _failing;

        public bool Failing
        {
            get => _failing;
            set => _failing = value;
        }

        public async Task Invoke(IIncomingGrainCallContext context)
        {
            if (_failing && context.InterfaceMethod?.Name == nameof(IFaultRegistryGrain.RunStartedAsync))
            {
                throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "No connection is available to service this operation (test: Redis is down)");
            }

            await context.Invoke();
        }
    }
}
