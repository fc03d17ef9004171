using System.Net;

namespace OrleansCluster.Silo.Extensions;

/// <summary>
/// Exclusive locks on lock files named after the ports a silo claims (<c>$TMPDIR/orleanscluster-ports/</c>), held
/// while its host runs. They close the window that a bind probe leaves open: two silos started together both find
/// the port free before either binds it, but only one can hold its lock. The operating system drops the locks
/// with the process, however it ends.
/// </summary>
internal sealed class PortLocks : IHostedService, IDisposable
{
    private static readonly string Directory = Path.Combine(Path.GetTempPath(), "orleanscluster-ports");
    private readonly List<FileStream> _held = [];

    /// <summary>Takes the lock for <paramref name="endpoint"/>: false when another process (a silo) holds it.</summary>
    public bool TryTake(IPEndPoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            var path = Path.Combine(Directory, $"{endpoint.Address}-{endpoint.Port}.lock".Replace(':', '_'));

            // FileShare.None is an exclusive advisory lock (flock) on Unix, a sharing mode on Windows.
            _held.Add(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            // Another user's lock file: that user's silo cannot share this user's port anyway (SO_REUSEPORT needs
            // the same user), so the kernel refuses the bind itself.
            return true;
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        foreach (var file in _held)
        {
            file.Dispose();
        }

        _held.Clear();
    }
}
