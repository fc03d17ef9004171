using System.Globalization;
using OrleansCluster.Cli.Reports;

namespace OrleansCluster.Cli.Commands;

/// <summary>
/// Scores alert rules against the ground truth: each firing episode of a rule (a run of <c>ALERTS{alertstate="firing"}</c>
/// samples for one host) is a true positive when it starts on a faulted host between the fault's start and its end
/// plus a grace, a false positive otherwise; a fault no episode of the rule matched is missed by it. Precision is
/// true over all episodes, recall detected over all faults, time to detect the first matching episode's start less
/// the fault's start.
/// </summary>
public static class AlertScoring
{
    /// <summary>A fault of the ground truth: the hosts (nodes or links) it acts on and when.</summary>
    public sealed record TruthFault(string Id, string Kind, string? Cause, IReadOnlyList<string> Hosts, DateTimeOffset Start, DateTimeOffset? End);

    /// <summary>One rule firing for one host, from its first firing sample to its last.</summary>
    public sealed record Episode(string Rule, string? Host, DateTimeOffset Start, DateTimeOffset End);

    /// <summary>One rule's score.</summary>
    public sealed record RuleScore(string Rule, int TruePositives, int FalsePositives, int Missed, int Faults, double? Precision, double? Recall, double? DetectP50Seconds, double? DetectP95Seconds);

    /// <summary>The scores of every rule that fired, and of every rule named in <paramref name="rules"/> though it never fired.</summary>
    public static IReadOnlyList<RuleScore> Score(IReadOnlyList<TruthFault> faults, IReadOnlyList<Episode> episodes, TimeSpan grace, DateTimeOffset windowEnd, IEnumerable<string>? rules = null)
    {
        ArgumentNullException.ThrowIfNull(faults);
        ArgumentNullException.ThrowIfNull(episodes);
        var names = episodes.Select(e => e.Rule).Concat(rules ?? []).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var scores = new List<RuleScore>();
        foreach (var rule in names)
        {
            var mine = episodes.Where(e => e.Rule == rule).ToArray();
            var detect = new List<double>();
            var matched = new HashSet<Episode>();
            foreach (var fault in faults)
            {
                var hits = mine.Where(e => Matches(e, fault, grace, windowEnd)).OrderBy(e => e.Start).ToArray();
                matched.UnionWith(hits);
                if (hits.Length > 0)
                {
                    detect.Add(Math.Max(0, (hits[0].Start - fault.Start).TotalSeconds));
                }
            }

            var tp = matched.Count;
            var fp = mine.Length - tp;
            scores.Add(new RuleScore(
                rule,
                tp,
                fp,
                faults.Count - detect.Count,
                faults.Count,
                mine.Length > 0 ? tp / (double)mine.Length : null,
                faults.Count > 0 ? detect.Count / (double)faults.Count : null,
                Percentile(detect, 0.50),
                Percentile(detect, 0.95)));
        }

        return scores;
    }

    /// <summary>Contiguous firing samples of one series as episodes: a gap of more than <paramref name="gap"/> starts a new one.</summary>
    public static IEnumerable<Episode> Episodes(string rule, string? host, IEnumerable<DateTimeOffset> samples, TimeSpan gap)
    {
        DateTimeOffset? start = null, last = null;
        foreach (var t in samples.Order())
        {
            if (last is { } l && t - l > gap)
            {
                yield return new Episode(rule, host, start!.Value, l);
                start = null;
            }

            start ??= t;
            last = t;
        }

        if (start is { } s)
        {
            yield return new Episode(rule, host, s, last!.Value);
        }
    }

    private static bool Matches(Episode episode, TruthFault fault, TimeSpan grace, DateTimeOffset windowEnd) =>
        episode.Host is { } host && fault.Hosts.Contains(host, StringComparer.Ordinal)
        && episode.Start >= fault.Start && episode.Start <= (fault.End ?? windowEnd) + grace;

    // Nearest rank.
    private static double? Percentile(List<double> values, double q)
    {
        if (values.Count == 0)
        {
            return null;
        }

        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    /// <summary>
    /// The command's report: per rule, and the window it scored. <paramref name="AskedFrom"/> and
    /// <paramref name="Warning"/> are set when the window was cut to start at <paramref name="From"/>, later than asked,
    /// because the ground truth before it was incomplete.
    /// </summary>
    public sealed record Report(DateTimeOffset From, DateTimeOffset To, int Faults, int Episodes, IReadOnlyList<RuleScore> Rules, DateTimeOffset? AskedFrom = null, string? Warning = null) : ICommandReport
    {
        public bool Held() => true;

        public string Summary() =>
            $"{Rules.Count} alert rule(s) against {Faults} fault(s) from {From:u} to {To:u}: {Episodes} firing episode(s); " +
            (Rules.Count == 0 ? "no rule fired." : $"best recall {Rules.Max(r => r.Recall ?? 0):P0}, best precision {Rules.Max(r => r.Precision ?? 0):P0}.") +
            (AskedFrom is { } asked ? string.Create(CultureInfo.InvariantCulture, $" Window cut: asked from {asked:u}, scored from {From:u} ({(From - asked).TotalSeconds:0.#} s dropped), the ground truth before it being incomplete.") : string.Empty);

        public IReadOnlyList<ReportTable> Tables() =>
        [
            new ReportTable(
                "Alert rules against the ground truth",
                ["rule", "true positives", "false positives", "missed", "precision", "recall", "detect p50 s", "detect p95 s"],
                [.. Rules.Select(r => (IReadOnlyList<string>)[r.Rule, ReportWriter.N(r.TruePositives), ReportWriter.N(r.FalsePositives), $"{r.Missed} of {r.Faults}", Ratio(r.Precision), Ratio(r.Recall), Seconds(r.DetectP50Seconds), Seconds(r.DetectP95Seconds)])]),
        ];

        private static string Ratio(double? value) => value is { } v ? ReportWriter.F(v, 2) : "-";

        private static string Seconds(double? value) => value is { } v ? ReportWriter.F(v, 1) : "-";
    }
}
