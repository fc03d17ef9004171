namespace OrleansCluster.Silo.Security;

/// <summary>
/// Builds the <see cref="AdminKey"/> as the host starts, so that a key generated for want of <c>Admin:ApiKey</c> is
/// logged at start, once, rather than at the first request that needs it (the key is a singleton: built once).
/// </summary>
internal sealed class AdminKeyAtStart(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = services.GetRequiredService<AdminKey>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
