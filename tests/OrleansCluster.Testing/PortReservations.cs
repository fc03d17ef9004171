using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace OrleansCluster.Testing;

/// <summary>
/// Ports for the processes a test starts, handed out so that no two can meet. A port taken by binding to 0 comes
/// from the kernel's ephemeral range: it is free when asked, but until the silo that is given it has started (a
/// few seconds) the kernel may give the same port to another test process, or use it as the source port of an
/// outgoing connection, and the silo then refuses to start. So ports come from outside the ephemeral range, which
/// the kernel never hands out by itself, and each is reserved for the life of the test process by an exclusive
/// lock file that every test process of the same user honours (in a folder of the user's own; the silo's own
/// port locks live in another folder).
/// </summary>
internal static class PortReservations
{
    private const int Lowest = 20000;
    private const int Highest = 29999; // below the silo's own default gateway port, 30000
    private static readonly string Folder = Path.Combine(Path.GetTempPath(), $"orleanscluster-test-ports-{Environment.UserName}");
    private static readonly Lock Gate = new();
    private static readonly List<FileStream> Held = [];
    private static readonly HashSet<int> Given = [];

    /// <summary>A port on 127.0.0.1 that nothing listens on and no other test process on this machine holds.</summary>
    public static int Take()
    {
        var (lowest, highest) = OutsideEphemeralRange();
        lock (Gate)
        {
            Directory.CreateDirectory(Folder);
            for (var attempt = 0; attempt < 2000; attempt++)
            {
                var port = Random.Shared.Next(lowest, highest + 1);
                if (Given.Contains(port) || !TryReserve(port))
                {
                    continue;
                }

                Given.Add(port);
                if (IsFree(port))
                {
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"no free port between {lowest} and {highest} on 127.0.0.1 after 2000 tries");
    }

    private static bool TryReserve(int port)
    {
        try
        {
            // FileShare.None is an exclusive advisory lock (flock) on Unix; the kernel drops it when this process ends.
            Held.Add(new FileStream(Path.Combine(Folder, $"{port}.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            return true;
        }
        catch (IOException)
        {
            return false; // held by another test process
        }
        catch (UnauthorizedAccessException)
        {
            return false; // another user's reservation
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The variable that narrows the ports handed out to a range of its own (<c>22200-22399</c>).</summary>
    public const string RangeVariable = "ORLEANSCLUSTER_TEST_PORTS";

    /// <summary>
    /// The ports to hand out: 20000-29999 below Linux's ephemeral range (from 32768 by default; 49152 on Windows and
    /// macOS), or above its top where it is configured to start lower; refused where neither leaves room. Where
    /// <see cref="RangeVariable"/> names a range (<c>low-high</c>), that range alone: on a machine shared by several
    /// test runs, each kept to ports of its own.
    /// </summary>
    private static (int Lowest, int Highest) OutsideEphemeralRange()
    {
        if (Environment.GetEnvironmentVariable(RangeVariable) is { Length: > 0 } given)
        {
            var bounds = given.Split('-', StringSplitOptions.TrimEntries);
            return bounds.Length == 2
                && int.TryParse(bounds[0], NumberStyles.None, CultureInfo.InvariantCulture, out var from)
                && int.TryParse(bounds[1], NumberStyles.None, CultureInfo.InvariantCulture, out var to)
                && from is >= 1024 and <= IPEndPoint.MaxPort && to >= from && to <= IPEndPoint.MaxPort
                ? (from, to)
                : throw new InvalidOperationException($"{RangeVariable}={given}: expected two ports low-high, 1024 to {IPEndPoint.MaxPort}");
        }

        const string rangeFile = "/proc/sys/net/ipv4/ip_local_port_range";
        if (!File.Exists(rangeFile))
        {
            return (Lowest, Highest);
        }

        var range = File.ReadAllText(rangeFile).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        var (low, high) = (range[0], range[1]);
        return low - 1 >= Lowest + 1000 ? (Lowest, Math.Min(low - 1, Highest))
            : high + 1000 <= IPEndPoint.MaxPort ? (high + 1, IPEndPoint.MaxPort)
            : throw new InvalidOperationException($"the kernel's ephemeral port range ({low}-{high}, {rangeFile}) leaves no room for the tests' ports outside it");
    }
}
