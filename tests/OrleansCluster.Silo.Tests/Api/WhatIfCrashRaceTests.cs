using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Silo.Tests.Api;

/// <summary>
/// <c>withFaults</c> reads the faults in force from the registry in two calls (the node effects, then the faults that
/// take nodes down). Found by review: read the other way round, a crash injected between them was missing from the
/// faults down and filtered out of the slowdowns as crashed, so the what-if carried the crashed node as healthy and
/// answered 200. Read effects first, a crash that lands between is among the faults down and the request is refused.
/// </summary>
public sealed class WhatIfCrashRaceTests : IAsyncLifetime
{
    private readonly CrashBetweenReads _filter = new();
    private readonly SiloFactory _factory;
    private HttpClient _client = null!;

    public WhatIfCrashRaceTests()
    {
        _factory = new SiloFactory { ExtraServices = s => s.AddSingleton<IOutgoingGrainCallFilter>(_filter) };
    }

    public async ValueTask InitializeAsync()
    {
        _client = _factory.CreateAdminClient();
        var (status, _, _) = await _client.SendJsonAsync(HttpMethod.Put, "/api/scenario", TestScenarios.Effects);
        Assert.Equal(HttpStatusCode.OK, status);
        _filter.Grains = _factory.Services.GetRequiredService<IGrainFactory>();
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task ACrashInjectedBetweenTheRegistryReadsIsRefusedNotCarriedAsAHealthyNode()
    {
        _filter.Armed = true;

        var (status, problem, _) = await _client.PostJsonAsync("/api/whatif", """{ "variants": [ { "name": "baseline" } ], "steps": 2, "withFaults": true }""");

        Assert.True(_filter.Injected, "the crash was not injected between the two reads");
        Assert.True(status == HttpStatusCode.UnprocessableEntity, $"{(int)status} {problem}");
        Assert.Equal(["withFaults"], problem.ErrorFields());
        Assert.Contains("(a-00003)", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    // Once armed, injects a crash of a-00003 just before the second of the what-if's two registry reads.
    private sealed class CrashBetweenReads : IOutgoingGrainCallFilter
    {
        private int _reads;

        public IGrainFactory? Grains { get; set; }

        public volatile bool Armed;

        public volatile bool Injected;

        public async Task Invoke(IOutgoingGrainCallContext context)
        {
            if (Armed && context.InterfaceMethod?.DeclaringType == typeof(IFaultRegistryGrain)
                && context.MethodName is nameof(IFaultRegistryGrain.ListAsync) or nameof(IFaultRegistryGrain.NodeEffectsAsync)
                && Interlocked.Increment(ref _reads) == 2)
            {
                var result = await Grains!.GetGrain<IFaultRegistryGrain>(IFaultRegistryGrain.Key).InjectAsync([new FaultRequest("node.crash", new FaultTargetRequest(Node: "a-00003"))], null);
                Assert.Empty(result.Errors);
                Injected = true;
            }

            await context.Invoke();
        }
    }
}
