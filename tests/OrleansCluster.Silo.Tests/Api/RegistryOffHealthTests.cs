using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrleansCluster.Abstractions.Grains;

namespace OrleansCluster.Silo.Tests.Api;

/// <summary>
/// <c>/healthz</c> while the running job waits for the fault registry to take its layout (<c>job.registryOff</c>): the
/// job does not step meanwhile, so the silo is Degraded (still 200: it serves), saying why, and Healthy again once the
/// registry takes the layout. Before fix-failover only the grain-level state was tested (RegistryOffLayoutTests). The
/// straggler report is not known meanwhile (503): no step on the new layout.
/// </summary>
public sealed class RegistryOffHealthTests : IAsyncLifetime
{
    private readonly RefusedLayouts _refused = new();
    private readonly SiloFactory _factory;

    public RegistryOffHealthTests() => _factory = new SiloFactory
    {
        // A stall bound far off: the wait reads Degraded, not Unhealthy, for as long as the test holds it.
        Settings = new Dictionary<string, string> { ["Simulation:StallSeconds"] = "3600", ["Simulation:LogIntervalSeconds"] = "3600" },
        ExtraServices = services => services.AddSingleton<IIncomingGrainCallFilter>(_refused),
    };

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task ARunningJobWaitingForTheRegistryToTakeItsLayoutIsDegradedWithTheReasonUntilItTakesIt()
    {
        using var client = _factory.CreateAdminClient();
        await client.WaitForClusterAsync(c => c.Step() >= 3, "the job to step");
        Assert.Equal(("Healthy", "Healthy"), await HealthStatusAsync(client));

        // A step's call fails, so the job lays its tree out again (the same run, continuing); the registry refuses that layout.
        _refused.Arm();
        var waiting = await client.WaitForClusterAsync(c => c.GetProperty("job").TryGetProperty("registryOff", out var off) && off.ValueKind == JsonValueKind.Object, "the job to wait for the registry");
        Assert.Equal("running", waiting.GetProperty("job").GetProperty("state").GetString());

        var (status, body) = await HealthTests.HealthAsync(client);
        Assert.True(status == HttpStatusCode.OK, body.ToString()); // degraded, not out of rotation
        Assert.Equal("Degraded", body.GetProperty("status").GetString());
        var (check, description) = HealthTests.Describe(body, "job");
        Assert.Equal("Degraded", check);
        Assert.StartsWith("small: Running, step ", description, StringComparison.Ordinal);
        Assert.Contains("the fault registry did not take the layout", description, StringComparison.Ordinal);
        Assert.Contains("the job does not step until it has", description, StringComparison.Ordinal);

        // Meanwhile no step has been evaluated on the new layout, and a running job keeps no report in its record: the
        // straggler report is not known yet (503), rather than an empty one that reads as no stragglers.
        using (var unknown = await client.GetAsync("/api/stragglers", AdminClient.Ct))
        {
            var text = await unknown.Content.ReadAsStringAsync(AdminClient.Ct);
            Assert.True(unknown.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)unknown.StatusCode} {text}");
            Assert.Contains("it comes with the job's next step", text, StringComparison.Ordinal);
        }

        // The registry takes the layout at its next try: the job steps again and the silo is healthy.
        _refused.Disarm();
        var stepped = await client.WaitForClusterAsync(
            c => !c.GetProperty("job").TryGetProperty("registryOff", out var off) || off.ValueKind == JsonValueKind.Null, "the registry to take the layout");
        await client.WaitForClusterAsync(c => c.Step() > stepped.Step() + 2, "the job to step again");
        Assert.Equal(("Healthy", "Healthy"), await HealthStatusAsync(client));
    }

    private static async Task<(string Overall, string Job)> HealthStatusAsync(HttpClient client)
    {
        var (status, body) = await HealthTests.HealthAsync(client);
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        return (body.GetProperty("status").GetString()!, HealthTests.Describe(body, "job").Status);
    }

    // Once armed: the next step's call to a silo's coordinator fails (the job lays its tree out again, continuing the
    // run), and every call handing the registry a layout fails until disarmed, as when its storage is out of reach.
    private sealed class RefusedLayouts : IIncomingGrainCallFilter
    {
        private volatile bool _refuse;
        private int _stepsToFail;

        public void Arm()
        {
            _refuse = true;
            Volatile.Write(ref _stepsToFail, 1);
        }

        public void Disarm() => _refuse = false;

        public async Task Invoke(IIncomingGrainCallContext context)
        {
            var method = context.InterfaceMethod;
            if (method?.DeclaringType == typeof(ISiloCoordinatorGrain) && method.Name == nameof(ISiloCoordinatorGrain.RunStepAsync)
                && Interlocked.CompareExchange(ref _stepsToFail, 0, 1) == 1)
            {
                throw new InvalidOperationException("the step's call failed (test)");
            }

            if (_refuse && method?.DeclaringType == typeof(IFaultRegistryGrain) && method.Name == nameof(IFaultRegistryGrain.RunStartedAsync))
            {
                throw new InvalidOperationException("the registry's storage is out of reach (test)");
            }

            await context.Invoke();
        }
    }
}
