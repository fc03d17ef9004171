using System.Globalization;
using OrleansCluster.Cli.Reports;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Cli.Commands;

/// <summary>
/// Scores alert rules against the ground truth. Two things are counted, each against its own total: firing episodes
/// (a run of <c>ALERTS{alertstate="firing"}</c> samples for one host), for precision, and faults, for recall. An
/// episode is a true positive when it starts on a faulted host between the fault's start and its end plus a grace, a
/// false positive otherwise; a fault is detected by a rule when at least one of the rule's episodes is attributed to it,
/// missed otherwise, so a fault whose alert stops and starts again is two true positives and one fault detected. An
/// episode is attributed to one fault only: of the faults that explain it (its host, from their start to their end plus
/// the grace), the one that began last, at or before the episode's start (ties: the one on fewest hosts, then by id).
/// The scorer does not know which kinds a rule is for: where faults overlap on a host, a rule firing for the newer
/// one (a crash's XID during a throttle) does not detect the older. Faults that began before the window (still in
/// force at its start, or ended after it) are context: an episode attributed to one of them (no fault of the window
/// explains it) is neither true nor false, and they are neither detected nor missed. Precision is true over true and
/// false episodes, recall detected over the window's faults (detected and missed add up to them), time to detect the
/// first attributed episode's start less the
/// fault's start. Faults of the window that ended having lasted less wall time than a scrape or an evaluation can see
/// (<see cref="IsUnobservable"/>: at max pace or a high speed they last milliseconds) are unobservable: like the
/// earlier ones they explain episodes without being scored, after every fault that lasted long enough to be seen; each
/// rule's score says how many were left out of its recall (<see cref="RuleScore.ExcusedFaults"/>).
/// </summary>
public static class AlertScoring
{
    /// <summary>How many false-positive episodes and missed faults each rule's score lists (its totals count them all).</summary>
    public const int Listed = 50;

    /// <summary>A fault of the ground truth: the hosts (nodes or links) it acts on and when.</summary>
    public sealed record TruthFault(string Id, string Kind, string? Cause, IReadOnlyList<string> Hosts, DateTimeOffset Start, DateTimeOffset? End);

    /// <summary>One rule firing for one host, from its first firing sample to its last; <paramref name="Labels"/> the series' labels but its name, alertname and alertstate.</summary>
    public sealed record Episode(string Rule, string? Host, DateTimeOffset Start, DateTimeOffset End, IReadOnlyDictionary<string, string>? Labels = null);

    /// <summary>
    /// One rule's score. <paramref name="TruePositives"/> and <paramref name="FalsePositives"/> count its firing
    /// episodes (<see cref="Precision"/> is true over both); <paramref name="Detected"/> and <paramref name="Missed"/>
    /// count the window's faults and add up to <paramref name="Faults"/> (<see cref="Recall"/> is detected over
    /// faults). A fault with several episodes (its alert stopped and started again) is one detected and several true
    /// positives. <paramref name="EarlierFaultEpisodes"/> counts its episodes explained only by faults that began
    /// before the window (neither true nor false positives). <paramref name="FalsePositiveEpisodes"/> and
    /// <paramref name="MissedFaults"/> list the first <see cref="Listed"/> of each, by start.
    /// <paramref name="UnobservableFaultEpisodes"/> counts its episodes excused because only unobservable faults explain
    /// them (out of precision), and <paramref name="ExcusedFaults"/> the window's unobservable faults, left out of
    /// <paramref name="Faults"/> and so of recall: the same for every rule, beside each so that a rule's recall reads as
    /// over the faults it was scored on. <paramref name="UnobservableUnderSeconds"/> is the rule's own threshold (the
    /// longer of the simulator's scrape interval and <paramref name="EvaluationIntervalSeconds"/>, its group's), so
    /// <paramref name="ExcusedFaults"/> may differ between rules of groups evaluated at different intervals.
    /// <paramref name="PendingFaults"/> counts the window's faults too recent to judge (<see cref="IsPending"/>), left out
    /// of <paramref name="Faults"/> like the excused ones, and <paramref name="PendingFaultEpisodes"/> the rule's episodes
    /// only they explain (neither true nor false positives).
    /// </summary>
    public sealed record RuleScore(
        string Rule,
        int TruePositives,
        int FalsePositives,
        int Detected,
        int Missed,
        int Faults,
        double? Precision,
        double? Recall,
        double? DetectP50Seconds,
        double? DetectP95Seconds,
        int EarlierFaultEpisodes = 0,
        IReadOnlyList<Episode>? FalsePositiveEpisodes = null,
        IReadOnlyList<TruthFault>? MissedFaults = null,
        int UnobservableFaultEpisodes = 0,
        int ExcusedFaults = 0,
        double? UnobservableUnderSeconds = null,
        double? EvaluationIntervalSeconds = null,
        int PendingFaults = 0,
        int PendingFaultEpisodes = 0);

    /// <summary>
    /// Whether <paramref name="fault"/> had ended by <paramref name="now"/>, the time scored to, less than
    /// <paramref name="shortest"/> of wall time after it began: too short for Prometheus to see (no scrape, or no rule
    /// evaluation, need fall inside it), so no rule can be blamed for missing it. The registry times background faults in
    /// simulated time and stamps them in wall time: at max pace or a high speed a repair of minutes ends within a
    /// millisecond. A fault still in force at <paramref name="now"/> is not excused, even when the end it is due at
    /// (an injected fault's <c>durationSeconds</c>) is near: it can still be seen, and a rule that has not yet fired
    /// for it has missed it so far.
    /// </summary>
    public static bool IsUnobservable(TruthFault fault, TimeSpan shortest, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(fault);
        return fault.End is { } end && end <= now && end - fault.Start < shortest;
    }

    /// <summary>
    /// Whether <paramref name="fault"/>, not unobservable, began less than <paramref name="shortest"/> plus
    /// <paramref name="grace"/> before <paramref name="now"/>: no scrape and evaluation need have seen it yet, nor the
    /// grace a firing has after a fault run out, so a rule that has not fired for it has not missed it (found by review:
    /// a fault begun 0.3 s before scoring was scored as missed). Such a fault is pending: neither scored nor excused.
    /// </summary>
    public static bool IsPending(TruthFault fault, TimeSpan shortest, TimeSpan grace, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(fault);
        return !IsUnobservable(fault, shortest, now) && now - fault.Start < shortest + grace;
    }

    /// <summary>
    /// The scores of every rule that fired, and of every rule named in <paramref name="rules"/> though it never fired.
    /// <paramref name="faults"/> are the faults that began in the window; <paramref name="earlier"/> those that began
    /// before it, <paramref name="unobservable"/> those of the window too short to be seen and <paramref name="pending"/>
    /// those too recent to judge, context only.
    /// </summary>
    public static IReadOnlyList<RuleScore> Score(IReadOnlyList<TruthFault> faults, IReadOnlyList<Episode> episodes, TimeSpan grace, DateTimeOffset windowEnd, IEnumerable<string>? rules = null, IReadOnlyList<TruthFault>? earlier = null, IReadOnlyList<TruthFault>? unobservable = null, IReadOnlyList<TruthFault>? pending = null)
    {
        ArgumentNullException.ThrowIfNull(faults);
        ArgumentNullException.ThrowIfNull(episodes);
        earlier ??= [];
        unobservable ??= [];
        pending ??= [];
        var names = episodes.Select(e => e.Rule).Concat(rules ?? []).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var scores = new List<RuleScore>();
        foreach (var rule in names)
        {
            var mine = episodes.Where(e => e.Rule == rule).ToArray();
            // Each episode's one fault (none: a false positive), by position: two series of one rule on one host
            // (per-GPU labels) may give equal episodes, each counted.
            var attributed = mine.Select(e => Attribute(e, faults, earlier, unobservable, pending, grace, windowEnd)).ToArray();
            var first = new Dictionary<TruthFault, DateTimeOffset>(ReferenceEqualityComparer.Instance);
            var tp = 0;
            for (var i = 0; i < mine.Length; i++)
            {
                if (attributed[i] is ({ } fault, Role.Scored))
                {
                    tp++;
                    first[fault] = first.TryGetValue(fault, out var seen) && seen <= mine[i].Start ? seen : mine[i].Start;
                }
            }

            var detect = new List<double>();
            var missed = new List<TruthFault>();
            foreach (var fault in faults)
            {
                if (first.TryGetValue(fault, out var detected))
                {
                    detect.Add(Math.Max(0, (detected - fault.Start).TotalSeconds));
                }
                else
                {
                    missed.Add(fault);
                }
            }

            var falsePositives = Enumerable.Range(0, mine.Length).Where(i => attributed[i].Fault is null).Select(i => mine[i]).ToArray();
            var fp = falsePositives.Length;
            scores.Add(new RuleScore(
                rule,
                tp,
                fp,
                detect.Count,
                missed.Count,
                faults.Count,
                tp + fp > 0 ? tp / (double)(tp + fp) : null,
                faults.Count > 0 ? detect.Count / (double)faults.Count : null,
                DetectQuantile(detect, 0.50),
                DetectQuantile(detect, 0.95),
                attributed.Count(a => a.Role == Role.Earlier),
                [.. falsePositives.OrderBy(e => e.Start).ThenBy(e => e.Host, StringComparer.Ordinal).Take(Listed)],
                [.. missed.OrderBy(f => f.Start).ThenBy(f => f.Id, StringComparer.Ordinal).Take(Listed)],
                attributed.Count(a => a.Role == Role.Unobservable),
                unobservable.Count,
                PendingFaults: pending.Count,
                PendingFaultEpisodes: attributed.Count(a => a.Role == Role.Pending)));
        }

        return scores;
    }

    /// <summary>Contiguous firing samples of one series as episodes: a gap of more than <paramref name="gap"/> starts a new one.</summary>
    public static IEnumerable<Episode> Episodes(string rule, string? host, IEnumerable<DateTimeOffset> samples, TimeSpan gap, IReadOnlyDictionary<string, string>? labels = null)
    {
        DateTimeOffset? start = null, last = null;
        foreach (var t in samples.Order())
        {
            if (last is { } l && t - l > gap)
            {
                yield return new Episode(rule, host, start!.Value, l, labels);
                start = null;
            }

            start ??= t;
            last = t;
        }

        if (start is { } s)
        {
            yield return new Episode(rule, host, s, last!.Value, labels);
        }
    }

    // What a fault is to the score: scored (the window's), or context (begun before the window, or too short to be seen).
    private enum Role
    {
        None,
        Scored,
        Earlier,
        Unobservable,
        Pending,
    }

    /// <summary>
    /// The fault that explains <paramref name="episode"/> best, of the window's, the earlier and the unobservable ones:
    /// of those that explain it (its host, from their start to their end plus the grace), one that lasted long enough to
    /// be seen before one that did not (an alert on a host is far likelier to be the longer fault's), then the one that
    /// began last (ties: fewest hosts, then by id); none when no fault explains it. A window's fault began after every
    /// earlier one, so wins over them.
    /// </summary>
    private static (TruthFault? Fault, Role Role) Attribute(Episode episode, IReadOnlyList<TruthFault> faults, IReadOnlyList<TruthFault> earlier, IReadOnlyList<TruthFault> unobservable, IReadOnlyList<TruthFault> pending, TimeSpan grace, DateTimeOffset windowEnd) =>
        faults.Select(f => (Fault: f, Role: Role.Scored))
            .Concat(earlier.Select(f => (Fault: f, Role: Role.Earlier)))
            .Concat(pending.Select(f => (Fault: f, Role: Role.Pending)))
            .Concat(unobservable.Select(f => (Fault: f, Role: Role.Unobservable)))
            .Where(c => Matches(episode, c.Fault, grace, windowEnd))
            .OrderBy(c => c.Role == Role.Unobservable)
            .ThenByDescending(c => c.Fault.Start)
            .ThenBy(c => c.Fault.Hosts.Count)
            .ThenBy(c => c.Fault.Id, StringComparer.Ordinal)
            .Select(c => ((TruthFault?)c.Fault, c.Role))
            .FirstOrDefault();

    private static bool Matches(Episode episode, TruthFault fault, TimeSpan grace, DateTimeOffset windowEnd) =>
        episode.Host is { } host && fault.Hosts.Contains(host, StringComparer.Ordinal)
        && episode.Start >= fault.Start && episode.Start <= (fault.End ?? windowEnd) + grace;

    // Nearest rank; none when no fault was detected.
    private static double? DetectQuantile(List<double> detect, double q) =>
        detect.Count == 0 ? null : Quantiles.NearestRank([.. detect.Order()], q);

    /// <summary>
    /// The command's report: per rule, and the window it scored. <paramref name="AskedFrom"/> and
    /// <paramref name="Warning"/> are set when the window was cut to start at <paramref name="From"/>, later than asked,
    /// because the ground truth before it was incomplete. <paramref name="EarlierFaults"/> counts the faults that began
    /// before <paramref name="From"/>, read as context (<see cref="RuleScore.EarlierFaultEpisodes"/>).
    /// <paramref name="Unobservable"/> counts the window's faults that lasted under <paramref name="UnobservableUnderSeconds"/>
    /// of wall time (<see cref="IsUnobservable"/>), neither detected nor missed (<see cref="RuleScore.UnobservableFaultEpisodes"/>),
    /// <paramref name="UnobservableFaults"/> the first <see cref="Listed"/> of them by start, and <paramref name="UnobservableWarning"/>
    /// says so on one line. That shortest seen is the longer of <paramref name="ScrapeIntervalSeconds"/> (the simulator's
    /// scrape targets') and <paramref name="EvaluationIntervalSeconds"/> (the rule groups'), as Prometheus answered
    /// when the window was scored. <paramref name="Pace"/> is the job's pace when the window was scored, which need not
    /// be the pace the faults ran at; <paramref name="UnobservableSpeed"/> is what they ran at, from the ground truth:
    /// the median, over the unobservable background faults, of their simulated repair time over their wall time (null
    /// when none has both). Rules of groups evaluated at different intervals have thresholds of their own
    /// (<see cref="RuleScore.UnobservableUnderSeconds"/>): then the report's counts are under the longest of them.
    /// <paramref name="Pending"/> counts the window's faults too recent to judge (<see cref="IsPending"/>), left out of
    /// <paramref name="Faults"/>; <paramref name="IntervalWarning"/> says which interval Prometheus did not name and was
    /// taken at its default (1 m) instead.
    /// </summary>
    public sealed record Report(
        DateTimeOffset From,
        DateTimeOffset To,
        int Faults,
        int Episodes,
        IReadOnlyList<RuleScore> Rules,
        DateTimeOffset? AskedFrom = null,
        string? Warning = null,
        int EarlierFaults = 0,
        int Unobservable = 0,
        double? UnobservableUnderSeconds = null,
        IReadOnlyList<TruthFault>? UnobservableFaults = null,
        string? UnobservableWarning = null,
        string? Pace = null,
        double? ScrapeIntervalSeconds = null,
        double? EvaluationIntervalSeconds = null,
        double? UnobservableSpeed = null,
        int Pending = 0,
        string? IntervalWarning = null) : ICommandReport
    {
        public bool Held() => true;

        public string Summary() =>
            $"{Rules.Count} alert rule(s) against {Faults} fault(s) from {From:u} to {To:u}: {Episodes} firing episode(s); " +
            (Rules.Count == 0 ? "no rule fired." : $"best recall {Rules.Max(r => r.Recall ?? 0):P0}, best precision {Rules.Max(r => r.Precision ?? 0):P0}.") +
            (EarlierFaults > 0 ? string.Create(CultureInfo.InvariantCulture, $" {EarlierFaults} fault(s) that began before the window: context only, their episodes neither true nor false positives.") : string.Empty) +
            (Unobservable > 0 ? string.Create(CultureInfo.InvariantCulture, $" {Unobservable:N0} fault(s) of the window unobservable, lasting under {UnobservableUnderSeconds:0.###} s of wall time (job pace {Pace ?? "unknown"} when scored{RanAt(UnobservableSpeed)}): not scored, neither detected nor missed; score at realtime pace with a speed at which faults last several scrape intervals.") : string.Empty) +
            (Pending > 0 ? string.Create(CultureInfo.InvariantCulture, $" {Pending:N0} fault(s) of the window pending, begun too recently for a scrape, an evaluation and the grace to have passed: neither scored nor excused.") : string.Empty) +
            (IntervalWarning is { } assumed ? $" Assumed: {assumed}." : string.Empty) +
            (AskedFrom is { } asked ? string.Create(CultureInfo.InvariantCulture, $" Window cut: asked from {asked:u}, scored from {From:u} ({(From - asked).TotalSeconds:0.#} s dropped), the ground truth before it being incomplete.") : string.Empty);

        public IReadOnlyList<ReportTable> Tables()
        {
            // Faults and firings side by side, each with the ratio made of it: a reader adding "true positives" to
            // "missed" (firings to faults) got more faults than the window had (found by a newcomer: 12 and 50 of 61).
            var tables = new List<ReportTable>
            {
                new(
                    "Alert rules against the ground truth",
                    [
                        "rule", "faults detected / missed of N", "recall (detected / N)", "firings true / false", "precision (true / (true + false))", "detect p50 s", "detect p95 s",
                        "firings for earlier faults", "firings excused (unobservable)", "faults excused (unobservable)", "faults pending", "unobservable under s",
                    ],
                    [.. Rules.Select(r => (IReadOnlyList<string>)[
                        r.Rule, $"{ReportWriter.N(r.Detected)} / {ReportWriter.N(r.Missed)} of {ReportWriter.N(r.Faults)}", Ratio(r.Recall), $"{ReportWriter.N(r.TruePositives)} / {ReportWriter.N(r.FalsePositives)}", Ratio(r.Precision),
                        Seconds(r.DetectP50Seconds), Seconds(r.DetectP95Seconds), ReportWriter.N(r.EarlierFaultEpisodes), ReportWriter.N(r.UnobservableFaultEpisodes), ReportWriter.N(r.ExcusedFaults),
                        ReportWriter.N(r.PendingFaults), r.UnobservableUnderSeconds is { } u ? u.ToString("0.###", CultureInfo.InvariantCulture) : "-"])],
                    TableNote),
            };
            var falsePositives = Rules.SelectMany(r => Listing(r.Rule, r.FalsePositives, r.FalsePositiveEpisodes, e => [r.Rule, e.Host ?? "(no host label)", LabelText(e.Labels), Time(e.Start), Time(e.End)], 5)).ToArray();
            if (falsePositives.Length > 0)
            {
                tables.Add(new ReportTable($"False-positive episodes (the first {Listed} of each rule)", ["rule", "host", "labels", "start", "last firing"], falsePositives));
            }

            var missed = Rules.SelectMany(r => Listing(r.Rule, r.Missed, r.MissedFaults, f => [r.Rule, f.Id, f.Cause is { } c ? $"{f.Kind} ({c})" : f.Kind, string.Join(", ", f.Hosts), Time(f.Start)], 5)).ToArray();
            if (missed.Length > 0)
            {
                tables.Add(new ReportTable($"Missed faults (the first {Listed} of each rule)", ["rule", "fault", "kind", "target", "start"], missed));
            }

            if (Unobservable > 0)
            {
                IReadOnlyList<TruthFault> listed = UnobservableFaults ?? [];
                List<IReadOnlyList<string>> rows = [.. listed.Select(f => (IReadOnlyList<string>)[f.Id, f.Cause is { } c ? $"{f.Kind} ({c})" : f.Kind, string.Join(", ", f.Hosts), Time(f.Start), ReportWriter.F(((f.End ?? f.Start) - f.Start).TotalSeconds, 3)])];
                if (Unobservable > listed.Count)
                {
                    rows.Add([string.Create(CultureInfo.InvariantCulture, $"... and {Unobservable - listed.Count:N0} more ({Unobservable:N0} in all)"), string.Empty, string.Empty, string.Empty, string.Empty]);
                }

                tables.Add(new ReportTable(string.Create(CultureInfo.InvariantCulture, $"Unobservable faults: under {UnobservableUnderSeconds:0.###} s of wall time, not scored (the first {Listed})"), ["fault", "kind", "target", "start", "wall s"], rows));
            }

            return tables;
        }

        /// <summary>What the rules table's two kinds of count are, under its title.</summary>
        public const string TableNote =
            "Faults: the window's faults, each detected by the rule (a firing of it attributed to the fault) or missed; detected + missed = N, recall = detected / N. " +
            "Firings: the rule's firing episodes (one host, from a first firing sample to a last; a fault whose alert stops and starts again has several), " +
            "true when attributed to a fault of the window, false when no fault explains it; precision = true / (true + false). " +
            "Faults begun before the window, too short to be seen (unobservable) or too recent to judge (pending), and the firings only they explain, count in neither.";

        // A rule's listed rows, and one saying how many more it has when the list stops short of its total.
        private static IEnumerable<IReadOnlyList<string>> Listing<T>(string rule, int total, IReadOnlyList<T>? listed, Func<T, IReadOnlyList<string>> row, int columns)
        {
            listed ??= [];
            foreach (var item in listed)
            {
                yield return row(item);
            }

            if (total > listed.Count)
            {
                yield return [rule, string.Create(CultureInfo.InvariantCulture, $"... and {total - listed.Count:N0} more ({total:N0} in all)"), .. Enumerable.Repeat(string.Empty, columns - 2)];
            }
        }

        private static string LabelText(IReadOnlyDictionary<string, string>? labels) =>
            labels is null ? string.Empty : string.Join(", ", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));

        private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);

        /// <summary>
        /// ", they ran at about N x simulated over wall time", N to two significant digits (the registry ends a background
        /// fault at a step's end, so its wall time is a step's worth rough), or nothing when the ground truth does not say.
        /// </summary>
        internal static string RanAt(double? speed)
        {
            if (speed is not { } s)
            {
                return string.Empty;
            }

            var unit = s >= 10 ? Math.Pow(10, Math.Floor(Math.Log10(s)) - 1) : 0.1;
            return string.Create(CultureInfo.InvariantCulture, $"; they ran at about {Math.Round(s / unit) * unit:#,0.#}x simulated over wall time, by their records");
        }

        private static string Ratio(double? value) => value is { } v ? ReportWriter.F(v, 2) : "-";

        private static string Seconds(double? value) => value is { } v ? ReportWriter.F(v, 1) : "-";
    }
}
