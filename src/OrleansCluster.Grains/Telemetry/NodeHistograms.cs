namespace OrleansCluster.Grains.Telemetry;

/// <summary>
/// This silo's per-(scenario, site, generation) histograms of node compute times and barrier waits. Blocks
/// count their nodes into local buckets and add them here once per step, so the hot loop costs a bucket
/// search per node instead of a metrics-SDK lookup per node (88,000 of them per step at colossus scale).
/// Rendered as Prometheus histograms by the host's metrics endpoint. The bounds are those of <see cref="BucketLattice"/>,
/// 2 % apart; each series emits the stretch of it its values cover (plus a margin), so the buckets follow the
/// scenario's step time: what it emits only grows, except at the bottom of a range wider than <see cref="MaxSpan"/>.
/// Only the running scenario's series are kept: the first counts of another scenario drop every series of the others
/// (but for the old one's last barrier waits, which a block records after its answer: <see cref="StragglersOfTheReplaced"/>), or every name ever
/// loaded (<c>PUT /api/scenario</c> takes any) would stay on the page; and the host, before each scrape, keeps only the
/// (site, generation) series of the scenario loaded now (<see cref="Keep"/>), whatever its name: a scenario loaded under
/// the name of the one before kept the other's sites on the page (found by probing: 767k series, a 75 MB page).
/// </summary>
public sealed class NodeHistograms(TimeProvider? time = null)
{
    /// <summary>
    /// How long after another scenario's first counts those of the scenario it replaced are dropped rather than taken
    /// as a new load: a block of the old scenario records its last step's barrier waits in its draw ahead, after its
    /// answer, which can land after the new scenario's first counts (found by review) and would otherwise drop the new
    /// scenario's series (a counter reset). No scenario loads and steps within this.
    /// </summary>
    public static readonly TimeSpan StragglersOfTheReplaced = TimeSpan.FromSeconds(5);

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>
    /// The most buckets a series emits below its highest: a 1,000-fold range (barrier waits run from nothing to
    /// the straggler's lead; the lowest ones carry no news). Lower values still count, in the lowest bucket emitted.
    /// </summary>
    public const int MaxSpan = 10 * Octave;

    /// <summary>
    /// Buckets added either side of a series' first values, so that the usual jitter of a step finds its buckets
    /// already there: a factor 1.5 each way.
    /// </summary>
    public const int Margin = 21;

    private readonly Dictionary<(string Scenario, string Site, string Generation), Series> _compute = [];
    private readonly Dictionary<(string Scenario, string Site, string Generation), Series> _wait = [];
    private readonly Lock _gate = new();
    private string? _scenario;
    private string? _replaced;
    private long _replacedAt;

    /// <summary>Buckets in an octave of the grid (1.02^35 is about 2): stretches start and end on octaves.</summary>
    public const int Octave = 35;

    /// <summary>
    /// The stretch of the grid every series of a histogram emits: the union of theirs, widened to whole octaves so
    /// that silos seeing much the same values emit the same buckets, at most <see cref="MaxSpan"/> below the top.
    /// </summary>
    public static (int From, int To) Stretch(IEnumerable<Series> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        int from = int.MaxValue, to = -1;
        foreach (var s in series.Where(s => s.Count > 0))
        {
            from = Math.Min(from, s.From);
            to = Math.Max(to, s.To);
        }

        if (to < 0)
        {
            return (0, -1);
        }

        var last = BucketLattice.Bounds.Count - 1;
        to = Math.Min(last, ((to / Octave) + 1) * Octave - 1);
        from = Math.Max(from / Octave * Octave, to + 1 - MaxSpan);
        return (Math.Max(0, from), to);
    }

    /// <summary>Adds a block's counts for one step.</summary>
    public void AddCompute(string scenario, string site, string generation, Buckets counts) => Add(_compute, scenario, site, generation, counts);

    /// <summary>Adds a block's barrier-wait counts for one step.</summary>
    public void AddWait(string scenario, string site, string generation, Buckets counts) => Add(_wait, scenario, site, generation, counts);

    /// <summary>Whether no series is held (no block has counted on this silo, or none since the last prune).</summary>
    public bool IsEmpty
    {
        get
        {
            lock (_gate)
            {
                return _compute.Count == 0 && _wait.Count == 0;
            }
        }
    }

    /// <summary>
    /// Drops every series but those of <paramref name="scenario"/>'s <paramref name="series"/> (its sites and
    /// generations): what the job runs now, read before a scrape. A block of a scenario loaded since then adds its
    /// series again at its next step.
    /// </summary>
    public void Keep(string scenario, IEnumerable<(string Site, string Generation)> series)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(series);
        var keep = series.Select(s => (scenario, s.Site, s.Generation)).ToHashSet();
        lock (_gate)
        {
            foreach (var histogram in (Dictionary<(string, string, string), Series>[])[_compute, _wait])
            {
                foreach (var key in histogram.Keys.Where(k => !keep.Contains(k)).ToArray())
                {
                    histogram.Remove(key);
                }
            }
        }
    }

    /// <summary>A copy of every series, for rendering.</summary>
    public (IReadOnlyList<(string Scenario, string Site, string Generation, Series Series)> Compute, IReadOnlyList<(string Scenario, string Site, string Generation, Series Series)> Wait) Snapshot() =>
        Snapshot(SiteFold.None);

    /// <summary>
    /// A copy of every series with the sites <paramref name="fold"/> folds added into one series per (scenario,
    /// generation) labelled <see cref="SiteFold.Other"/>: every series counts on the one lattice, so adding counts at
    /// equal buckets is exact. A folded site's series is added, not copied (5,000 sites were 10,000 copies of 10 KB).
    /// </summary>
    public (IReadOnlyList<(string Scenario, string Site, string Generation, Series Series)> Compute, IReadOnlyList<(string Scenario, string Site, string Generation, Series Series)> Wait) Snapshot(SiteFold fold)
    {
        ArgumentNullException.ThrowIfNull(fold);
        lock (_gate)
        {
            return (Copy(_compute, fold), Copy(_wait, fold));
        }

        static List<(string, string, string, Series)> Copy(Dictionary<(string Scenario, string Site, string Generation), Series> from, SiteFold fold)
        {
            var into = new Dictionary<(string Scenario, string Site, string Generation), Series>();
            foreach (var (key, series) in from)
            {
                var folded = key with { Site = fold.Label(key.Site) };
                if (into.TryGetValue(folded, out var sum))
                {
                    sum.Merge(series);
                }
                else
                {
                    into[folded] = series.Clone();
                }
            }

            return into.OrderBy(p => p.Key.Scenario, StringComparer.Ordinal).ThenBy(p => p.Key.Site, StringComparer.Ordinal).ThenBy(p => p.Key.Generation, StringComparer.Ordinal)
                .Select(p => (p.Key.Scenario, p.Key.Site, p.Key.Generation, p.Value)).ToList();
        }
    }

    /// <summary>The sites held (of every scenario held), in ordinal order: the fold's fallback where the scenario could not be read.</summary>
    public IReadOnlyList<string> Sites()
    {
        lock (_gate)
        {
            return _compute.Keys.Concat(_wait.Keys).Select(k => k.Site).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        }
    }

    private void Add(Dictionary<(string, string, string), Series> into, string scenario, string site, string generation, Buckets counts)
    {
        if (counts.Count == 0)
        {
            return;
        }

        lock (_gate)
        {
            if (!string.Equals(scenario, _scenario, StringComparison.Ordinal))
            {
                if (string.Equals(scenario, _replaced, StringComparison.Ordinal) && _time.GetElapsedTime(_replacedAt) < StragglersOfTheReplaced)
                {
                    return; // the replaced scenario's last counts, after the new one's first
                }

                Retain(_compute, scenario);
                Retain(_wait, scenario);
                (_replaced, _replacedAt) = (_scenario, _time.GetTimestamp());
                _scenario = scenario;
            }

            if (!into.TryGetValue((scenario, site, generation), out var series))
            {
                into[(scenario, site, generation)] = series = new Series();
            }

            series.Add(counts);
        }
    }

    private static void Retain(Dictionary<(string Scenario, string Site, string Generation), Series> series, string scenario)
    {
        foreach (var key in series.Keys.Where(k => !string.Equals(k.Scenario, scenario, StringComparison.Ordinal)).ToArray())
        {
            series.Remove(key);
        }
    }

    /// <summary>Counts per bucket with their sum: what a block gathers in one step for one generation.</summary>
    public sealed class Buckets
    {
        public long[] Counts { get; } = new long[BucketLattice.Bounds.Count + 1];

        public double Sum { get; private set; }

        public long Count { get; private set; }

        /// <summary>The lowest bucket counted into since the last clear.</summary>
        public int Min { get; private set; } = int.MaxValue;

        /// <summary>The highest bucket counted into since the last clear.</summary>
        public int Max { get; private set; } = -1;

        public void Add(double value)
        {
            var k = BucketLattice.BucketOf(value);
            Counts[k]++;
            Min = Math.Min(Min, k);
            Max = Math.Max(Max, k);
            Sum += value;
            Count++;
        }

        public void Clear()
        {
            if (Max >= 0)
            {
                Array.Clear(Counts, Min, Max - Min + 1);
            }

            Min = int.MaxValue;
            Max = -1;
            Sum = 0;
            Count = 0;
        }
    }

    /// <summary>A cumulative histogram series and the stretch of the lattice it emits.</summary>
    public sealed class Series
    {
        public long[] Counts { get; private init; } = new long[BucketLattice.Bounds.Count + 1];

        public double Sum { get; private set; }

        public long Count { get; private set; }

        /// <summary>The lowest finite bucket emitted (everything below counts in it).</summary>
        public int From { get; private set; } = int.MaxValue;

        /// <summary>The highest finite bucket emitted (everything above counts in +Inf).</summary>
        public int To { get; private set; } = -1;

        public void Add(Buckets buckets)
        {
            if (buckets.Count == 0)
            {
                return;
            }

            for (var i = buckets.Min; i <= buckets.Max; i++)
            {
                Counts[i] += buckets.Counts[i];
            }

            var last = BucketLattice.Bounds.Count - 1;
            From = Math.Clamp(Math.Min(From, buckets.Min - Margin), 0, last);
            To = Math.Clamp(Math.Max(To, buckets.Max + Margin), 0, last);
            From = Math.Max(From, To - MaxSpan);
            Sum += buckets.Sum;
            Count += buckets.Count;
        }

        public Series Clone() => new() { Counts = (long[])Counts.Clone(), Sum = Sum, Count = Count, From = From, To = To };

        /// <summary>Adds <paramref name="other"/>'s counts, bucket by bucket, and widens the stretch to cover both.</summary>
        internal void Merge(Series other)
        {
            for (var i = 0; i < Counts.Length; i++)
            {
                Counts[i] += other.Counts[i];
            }

            Sum += other.Sum;
            Count += other.Count;
            From = Math.Min(From, other.From);
            To = Math.Max(To, other.To);
        }
    }
}
