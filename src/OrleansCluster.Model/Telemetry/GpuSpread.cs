namespace OrleansCluster.Model.Telemetry;

/// <summary>
/// How the GPUs of one node differ from each other. The model reads a node as one, but the boards of a real server
/// never read alike (each GPU's silicon, its place in the airflow or on the cold plate, its power delivery), and a fault
/// that takes a node out of the job starts on one of its GPUs. Each GPU of a node gets a fixed place in [-1, 1]: its
/// rank among the node's GPUs in an order drawn from the node's name, the same on every silo and every run, and 0 on
/// average over the node, so that a node's power and temperature summed or averaged over its GPUs stay the model's.
/// <see cref="GpuTelemetryModel.Vary"/> turns it into a degree or two and a percent or so of power;
/// <see cref="FaultyGpu"/> picks the GPU a node's fault shows on. No new series and no new label: the series stay one
/// per GPU and field.
/// </summary>
public static class GpuSpread
{
    /// <summary>The place in [-1, 1] of each of the <paramref name="gpus"/> GPUs of <paramref name="node"/>: evenly spaced, 0 on average.</summary>
    public static double[] Of(string node, int gpus)
    {
        ArgumentNullException.ThrowIfNull(node);
        var spread = new double[Math.Max(gpus, 0)];
        if (gpus < 2)
        {
            return spread;
        }

        var order = Enumerable.Range(0, gpus).OrderBy(g => Hash($"{node}/gpu{g}")).ThenBy(g => g).ToArray();
        for (var rank = 0; rank < gpus; rank++)
        {
            spread[order[rank]] = (2.0 * rank / (gpus - 1)) - 1;
        }

        return spread;
    }

    /// <summary>
    /// The index of the GPU of <paramref name="node"/> that reports <paramref name="xid"/> while the node is down: one
    /// GPU, drawn from the node and the XID, so that a node whose HBM fails again fails on the same card.
    /// </summary>
    public static int FaultyGpu(string node, int xid, int gpus)
    {
        ArgumentNullException.ThrowIfNull(node);
        return gpus <= 1 ? 0 : (int)(Hash($"{node}/xid{xid}") % (ulong)gpus);
    }

    // FNV-1a over the UTF-16 code units with a 64-bit finaliser (MurmurHash3's): stable across processes and runs, which
    // string.GetHashCode is not, and every bit depends on the last character.
    private static ulong Hash(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        hash ^= hash >> 33;
        hash *= 0xff51afd7ed558ccdUL;
        hash ^= hash >> 33;
        return hash;
    }
}
