using System.Globalization;

namespace OrleansCluster.Cli.Reports;

/// <summary>
/// The machine's own load, read from <c>/proc</c> (targets are loopback, so the silos run on this machine):
/// its cores, how many of them were busy between two readings (<c>/proc/stat</c>, every process counted, not only
/// the silos), and the 1-minute load average (<c>/proc/loadavg</c>). Zeros where <c>/proc</c> is not there.
/// </summary>
public sealed record MachineLoad(int Cores, long BusyTicks, long TotalTicks, double LoadAverage)
{
    public static MachineLoad Read()
    {
        try
        {
            var stat = File.ReadAllLines("/proc/stat");
            var cores = stat.Count(l => l.StartsWith("cpu", StringComparison.Ordinal) && l.Length > 3 && char.IsAsciiDigit(l[3]));
            var fields = stat.First(l => l.StartsWith("cpu ", StringComparison.Ordinal))
                .Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();

            // user nice system idle iowait irq softirq steal (guest time is already inside user and nice).
            var total = fields.Take(8).Sum();
            var idle = fields[3] + (fields.Length > 4 ? fields[4] : 0);
            var load = double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
            return new MachineLoad(cores, total - idle, total, load);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException)
        {
            return new MachineLoad(0, 0, 0, 0);
        }
    }

    /// <summary>Cores busy on average between <paramref name="before"/> and this reading.</summary>
    public double CoresBusySince(MachineLoad before)
    {
        ArgumentNullException.ThrowIfNull(before);
        var total = TotalTicks - before.TotalTicks;
        return total <= 0 ? 0 : Cores * (double)(BusyTicks - before.BusyTicks) / total;
    }
}
