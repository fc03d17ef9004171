using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Cli.Commands;
using static OrleansCluster.Cli.Tests.FailingRegistrySiloFixture;

namespace OrleansCluster.Cli.Tests.Commands;

/// <summary>
/// <c>api</c> against a silo whose injections fail: a run that measured nothing, or that left faults behind, is
/// not one that held.
/// </summary>
public sealed class ApiFailureTests(FailingRegistrySiloFixture silo) : IClassFixture<FailingRegistrySiloFixture>, IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        silo.Injections.Mode = Failure.None;
        using var client = silo.Target.CreateClient();
        await SiloApi.SendAsync(client, HttpMethod.Delete, "/api/faults", null, CancellationToken.None);
    }

    [Fact]
    public async Task ARunWhoseEveryInjectionFailsExitsOneAndSaysWhy()
    {
        // Found by a reviewer with Redis down: every inject answered 503, nothing was injected, and the run exited 0
        // saying the fault list ends consistent.
        silo.Injections.Mode = Failure.StorageDown;

        var (exit, output, error) = await CliProcess.RunAsync("api", "--url", silo.Url, "--key", CliSiloFixture.Key, "--callers", "2", "--rounds", "2");

        Assert.True(exit == 1, $"exit {exit}: {output}{error}");
        Assert.Contains("inject 503: 4", output, StringComparison.Ordinal);
        Assert.Contains("4 call(s) failed", output, StringComparison.Ordinal);
        Assert.Contains("nothing was injected", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnInjectionThatLandedThoughItsAnswerWasAnErrorIsLeftOver()
    {
        silo.Injections.Mode = Failure.AnswerLost;
        using var client = silo.Target.CreateClient();

        var report = await ApiLoad.RunAsync(client, new ApiLoad.Options(Callers: 2, Rounds: 2, CallsPerSecond: 0, MaxDuration: TimeSpan.FromSeconds(60)), null, Ct);

        // Each inject was made, then answered 503: none was cleared, and the list after the run shows all four.
        var listed = await SiloApi.GetAsync<Fault[]>(client, "/api/faults", Ct);
        Assert.Equal(4, listed.Count(f => f.Kind.ApiName == "node.slowdown" && f.Source is null));
        Assert.Equal(0, report.Injected);
        Assert.Equal(4, report.Leftover);
        Assert.False(report.Consistent);
        Assert.False(report.Held());
        Assert.Contains("left over 4", report.Summary(), StringComparison.Ordinal);
    }
}
