using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Cli.Reports;

namespace OrleansCluster.Cli.Commands;

/// <summary>
/// <c>orleanscluster alerts</c>: reads the firing alerts of a Prometheus that evaluates the user's rules while it
/// scrapes the simulator (<c>ALERTS{alertstate="firing"}</c> over the window, by its HTTP API) and the ground truth
/// of the admin API (<c>GET /api/faults?all=true&amp;since=</c>, paged), matches them by host label and scores each rule:
/// the faults that began in the window are scored, those that began before it explain episodes without being scored.
/// </summary>
public static class AlertsCommand
{
    private const int PageSize = 1000;

    /// <summary>
    /// How many ended faults the fault registry keeps (docs/admin-api.md: <c>all=true</c> adds "the last 1,000 ended"),
    /// oldest dropped first. An answer holding that many ended faults may have lost older ones that the window needs.
    /// </summary>
    public const int EndedKept = FaultHistory.Kept;

    /// <summary>What the command reads and how it matches.</summary>
    public sealed record Options(TimeSpan Window, TimeSpan Grace, TimeSpan Step, IReadOnlyList<string> HostLabels)
    {
        /// <summary>
        /// The options from the command line, or an <see cref="ArgumentException"/> naming the first that is out of
        /// range (exit 2): a value changed silently would score a window or a grace the user did not ask for.
        /// </summary>
        public static Options From(int seconds, int grace, int step, IReadOnlyList<string>? hostLabels)
        {
            if (seconds < 1)
            {
                throw new ArgumentException($"--seconds must be at least 1 (got {seconds})");
            }

            if (step < 1)
            {
                throw new ArgumentException($"--step must be at least 1 (got {step})");
            }

            if (grace < 0)
            {
                throw new ArgumentException($"--grace must be at least 0 (got {grace})");
            }

            // A label no alert can carry (an empty one, found by a black-box probe) would match no host, silently.
            foreach (var label in hostLabels?.Where(l => !IsLabelName(l)) ?? [])
            {
                throw new ArgumentException($"--host-label: '{label}' is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)");
            }

            return new Options(TimeSpan.FromSeconds(seconds), TimeSpan.FromSeconds(grace), TimeSpan.FromSeconds(step), hostLabels is { Count: > 0 } given ? given : ["Hostname", "node", "link"]);
        }

        private static bool IsLabelName(string label) =>
            label.Length > 0 && !char.IsAsciiDigit(label[0]) && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
    }

    /// <summary>The command, for the root; <paramref name="finish"/> prints the report and answers the exit code.</summary>
    public static Command Create(Option<string> url, Option<string?> key, Func<ParseResult, string, ICommandReport, Target, CancellationToken, Task<int>> finish)
    {
        var prometheus = new Option<string>("--prometheus") { Description = "The Prometheus that evaluates the alert rules (loopback).", DefaultValueFactory = _ => "http://127.0.0.1:9090" };
        var window = new Option<int>("--seconds") { Description = "The window scored, ending now.", DefaultValueFactory = _ => 600 };
        var grace = new Option<int>("--grace") { Description = "Seconds after a fault's end in which a firing still counts for it.", DefaultValueFactory = _ => 60 };
        var step = new Option<int>("--step") { Description = "Seconds between the ALERTS samples read.", DefaultValueFactory = _ => 5 };
        var labels = new Option<string[]>("--host-label") { Description = "Alert labels naming the host, in order (default: Hostname, node, link).", AllowMultipleArgumentsPerToken = true };
        var command = new Command("alerts", "Score alert rules: match firing alerts in a Prometheus to the ground-truth faults by host label; per rule, the faults detected and missed (recall = detected / faults), its firings true and false (precision = true / (true + false)), time to detect p50/p95.")
        {
            prometheus, window, grace, step, labels,
        };
        command.SetAction(async (parse, ct) =>
        {
            try
            {
                var options = Options.From(parse.GetValue(window), parse.GetValue(grace), parse.GetValue(step), parse.GetValue(labels));
                var target = Target.Parse(parse.GetValue(url)!, parse.GetValue(key));
                using var admin = target.CreateClient();
                using var prom = Target.Parse(parse.GetValue(prometheus)!, null).CreateClient();
                var report = await RunAsync(admin, prom, options, DateTimeOffset.UtcNow, ct);
                foreach (var warning in new[] { report.Warning, report.IntervalWarning, report.UnobservableWarning }.OfType<string>())
                {
                    await Console.Error.WriteLineAsync($"warning: {warning}");
                }

                return await finish(parse, "alerts", report, target, ct);
            }
            catch (Exception e) when (e is KeyRefusedException || CommandErrors.CouldNotRun(e, ct))
            {
                await Console.Error.WriteLineAsync($"error: {CommandErrors.Describe(e)}");
                return 2;
            }
        });
        return command;
    }

    /// <summary>
    /// Reads both sides for the window ending at <paramref name="now"/> and scores every rule, each by its own threshold
    /// (the longer of the scrape interval and its group's evaluation interval; Prometheus' default, 1 m, assumed for
    /// either where Prometheus names none, and said in <see cref="AlertScoring.Report.IntervalWarning"/>). The window's
    /// faults begun less than that threshold plus the grace before <paramref name="now"/> are pending
    /// (<see cref="AlertScoring.IsPending"/>): neither scored nor excused. When the fault registry's
    /// history of ended faults does not reach back to the window's start (see <see cref="TruthCompleteFrom"/>), the
    /// window is cut to start where it does, and the report says so; when nothing of the window is left (less than one
    /// <see cref="Options.Step"/>), an <see cref="InvalidOperationException"/> (exit 2). The window's faults that ended
    /// under the longer of the simulator's scrape interval and the rules' evaluation interval of wall time after they
    /// began are unobservable (<see cref="AlertScoring.IsUnobservable"/>): reported apart, with the job's pace and the
    /// speed they ran at, and not scored. Both intervals are Prometheus' own (<see cref="ReadScrapeIntervalAsync"/>,
    /// <see cref="ReadRulesAsync"/>), not <see cref="Options.Step"/>: the step is how finely this command reads
    /// <c>ALERTS</c>, not what Prometheus could see. A fault that lasted one scrape interval was sampled by at least one
    /// scrape, and that sample stays the series' latest for a scrape interval more, within which an evaluation falls when
    /// evaluations are no further apart; so a rule could have fired for any fault that lasted the longer of the two (a
    /// rule whose <c>for</c> or range asks for longer chose to wait, and is blamed). A larger <c>--step</c> than that
    /// (found by review: it excused faults a scrape had seen) now only coarsens the episodes read.
    /// </summary>
    public static async Task<AlertScoring.Report> RunAsync(HttpClient admin, HttpClient prometheus, Options options, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var asked = now - options.Window;
        // From a grace before the window: a fault that ended in it may explain an episode firing at the window's start
        // (found by a black-box check: two crashes that ended 0.5 s and 10.8 s before the window scored as false positives).
        var (rows, still) = await ReadFaultsAsync(admin, asked - options.Grace, cancellationToken);
        var from = TruthCompleteFrom(rows, asked);
        string? warning = still ? null : string.Create(CultureInfo.InvariantCulture, $"the fault list changed while its pages were read ({TruthReads} reads): the ground truth may lack faults that moved between pages (a shorter --seconds, or a slower pace, reads it in one page)");
        if (from > asked)
        {
            var history = string.Create(CultureInfo.InvariantCulture, $"the fault registry keeps only the last {EndedKept:N0} ended faults, and the {rows.Count(Ended):N0} it answered for the window ended at or after {from:u}, so faults of the window that ended before then may have left it");
            if (now - from < options.Step)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"nothing of the window to score: {history} ({(now - from).TotalSeconds:0.#} s of the {options.Window.TotalSeconds:0} s asked are left, under one --step)"));
            }

            var cut = string.Create(CultureInfo.InvariantCulture, $"{history}: scored from {from:u} only, {(from - asked).TotalSeconds:0.#} s of the {options.Window.TotalSeconds:0} s asked dropped (a shorter --seconds avoids the cut)");
            warning = warning is null ? cut : $"{cut}; {warning}";
        }

        // The window's faults are scored; those that began before it (the answer holds those in force at its start or
        // ended after it) are context: an episode one of them explains is not a false positive.
        var window = rows.Where(f => f.StartsAt >= from && f.StartsAt <= now).Select(Truth).ToList();
        var earlier = rows.Where(f => f.StartsAt < from).Select(Truth).ToList();
        var episodes = await ReadEpisodesAsync(prometheus, options, from, now, cancellationToken);
        var rules = await ReadRulesAsync(prometheus, cancellationToken);
        var scrape = await ReadScrapeIntervalAsync(prometheus, cancellationToken);
        // Found by an expert probe: at max pace every background fault lasted under 1 s of wall time, and each rule
        // was blamed for ~1,000 misses no scrape could have seen. The registry's history is the same at any pace in
        // simulated time; Prometheus sees wall time, and the ground truth's stamps are wall time as it passed (a
        // fault's start and end as the registry recorded them), so a pace changed within the window is judged right.
        // Each rule by its own group's evaluation interval (found by review: the longest of all groups was taken, so a
        // group at 1 m excused every fault under 60 s for a rule evaluated every 2 s); a rule that fired but is not
        // among the rules Prometheus holds now (removed by a reload) by the longest of them, or the default where it
        // holds none.
        var longestGroup = rules.Count > 0 ? rules.Max(r => r.Evaluation) : DefaultInterval;
        // A name in two groups (allowed) by the longer.
        var evaluationOf = rules.GroupBy(r => r.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Max(r => r.Evaluation), StringComparer.Ordinal);
        var names = episodes.Select(e => e.Rule).Concat(rules.Select(r => r.Name)).Distinct(StringComparer.Ordinal).ToArray();
        var scores = new List<AlertScoring.RuleScore>();
        foreach (var byEvaluation in names.GroupBy(n => evaluationOf.GetValueOrDefault(n, longestGroup)))
        {
            var shortest = Longer(scrape.Interval, byEvaluation.Key);
            var split = Split(window, shortest, options.Grace, now);
            var mine = byEvaluation.ToHashSet(StringComparer.Ordinal);
            scores.AddRange(AlertScoring.Score(split.Scored, [.. episodes.Where(e => mine.Contains(e.Rule))], options.Grace, now, mine, earlier, split.Unobservable, split.Pending)
                .Select(r => r with { UnobservableUnderSeconds = shortest.TotalSeconds, EvaluationIntervalSeconds = byEvaluation.Key.TotalSeconds }));
        }

        scores.Sort((a, b) => string.CompareOrdinal(a.Rule, b.Rule));
        // The report's counts under the longest threshold of its rules (with one group, every rule's).
        // No rule at all: nothing is judged by an evaluation, the scrape interval alone says what could be seen.
        var evaluation = names.Length > 0 ? names.Max(n => evaluationOf.GetValueOrDefault(n, longestGroup)) : TimeSpan.Zero;
        var unheld = rules.Count == 0 ? names.Length : 0;
        var longest = Longer(scrape.Interval, evaluation);
        var (faults, unobservable, pending) = Split(window, longest, options.Grace, now);
        var assumed = new[] { scrape.Assumed, rules.Any(r => r.Assumed) ? string.Create(CultureInfo.InvariantCulture, $"Prometheus named no evaluation interval for the group(s) of {rules.Count(r => r.Assumed):N0} rule(s) ({string.Join(", ", rules.Where(r => r.Assumed).Select(r => r.Group).Distinct(StringComparer.Ordinal).Take(5))}), so its default evaluation_interval, 1 m, was assumed for them") : null, unheld > 0 ? string.Create(CultureInfo.InvariantCulture, $"Prometheus holds no alerting rule, so its default evaluation_interval, 1 m, was assumed for the {unheld:N0} that fired") : null }.OfType<string>().ToArray();
        var intervalWarning = assumed.Length > 0 ? string.Join("; ", assumed) : null;
        var thresholds = scores.Select(r => r.UnobservableUnderSeconds).Distinct().Count();
        string? pace = null, unobservableWarning = null;
        double? speed = null;
        if (unobservable.Count > 0)
        {
            // The pace now need not be the pace the faults ran at (found by review: one changed within the window was
            // reported as the one they ran at): what they ran at is in their records.
            pace = Describe((await SiloApi.ClusterAsync(admin, cancellationToken)).Job.Pace);
            speed = RanAt(rows, unobservable);
            var evaluationWords = thresholds > 1 ? "the longest of the scored rules' evaluation intervals" : "the rules' evaluation interval";
            var perRule = thresholds > 1 ? "; each rule's own threshold is in its row, and excuses fewer where its group is evaluated more often" : string.Empty;
            unobservableWarning = string.Create(CultureInfo.InvariantCulture, $"{unobservable.Count:N0} of the window's {window.Count:N0} faults lasted under {longest.TotalSeconds:0.###} s of wall time (the longer of {scrape.Of}, {scrape.Interval.TotalSeconds:0.###} s, and {evaluationWords}, {evaluation.TotalSeconds:0.###} s{(intervalWarning is null ? string.Empty : ", one at least assumed")}{perRule}), too short for Prometheus to see, and are left out of the score as unobservable (the job's pace is {pace} now{AlertScoring.Report.RanAt(speed)}): score at realtime pace with a speed at which faults last several scrape intervals (PUT /api/job/pace {{\"mode\":\"realtime\",\"speed\":20}} with a 2 s scrape and evaluation)");
        }

        return new AlertScoring.Report(
            from,
            now,
            faults.Count,
            episodes.Count,
            scores,
            from > asked ? asked : null,
            warning,
            earlier.Count,
            unobservable.Count,
            unobservable.Count > 0 ? longest.TotalSeconds : null,
            unobservable.Count > 0 ? [.. unobservable.OrderBy(f => f.Start).ThenBy(f => f.Id, StringComparer.Ordinal).Take(AlertScoring.Listed)] : null,
            unobservableWarning,
            pace,
            scrape.Interval.TotalSeconds,
            evaluation.TotalSeconds,
            speed,
            pending.Count,
            intervalWarning);
    }

    /// <summary>What Prometheus' configuration takes when it names no <c>scrape_interval</c> or <c>evaluation_interval</c>: 1 m, for both.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMinutes(1);

    private static TimeSpan Longer(TimeSpan a, TimeSpan b) => a > b ? a : b;

    // The window's faults as one threshold judges them: scored, unobservable, or pending.
    private static (List<AlertScoring.TruthFault> Scored, List<AlertScoring.TruthFault> Unobservable, List<AlertScoring.TruthFault> Pending) Split(List<AlertScoring.TruthFault> window, TimeSpan shortest, TimeSpan grace, DateTimeOffset now)
    {
        var unobservable = window.Where(f => AlertScoring.IsUnobservable(f, shortest, now)).ToList();
        var pending = window.Where(f => AlertScoring.IsPending(f, shortest, grace, now)).ToList();
        return (window.Except(unobservable).Except(pending).ToList(), unobservable, pending);
    }

    // The median of simulated repair time over wall time of the background faults among those given (by id in rows)
    // that expired, repaired on the job's clock (one cleared ended early); none when no such fault has both (an
    // injected fault has no simulated time; one that ended within the same tick has no wall time to divide by).
    private static double? RanAt(List<Fault> rows, List<AlertScoring.TruthFault> faults)
    {
        var ids = faults.Select(f => f.Id).ToHashSet(StringComparer.Ordinal);
        var speeds = rows
            .Where(r => ids.Contains(r.Id) && r.State == FaultState.Expired && r.SimulatedRepairSeconds is > 0 && r.EndsAt is { } end && end > r.StartsAt)
            .Select(r => r.SimulatedRepairSeconds!.Value / (r.EndsAt!.Value - r.StartsAt).TotalSeconds)
            .Order()
            .ToArray();
        return speeds.Length == 0 ? null : speeds[(speeds.Length - 1) / 2];
    }

    private static string Describe(PaceSettings pace) =>
        pace.Mode == PaceMode.Max ? "max" : string.Create(CultureInfo.InvariantCulture, $"realtime at speed {pace.Speed:0.###}");

    /// <summary>
    /// Where the ground truth read for a window starting at <paramref name="asked"/> is complete. The registry keeps the
    /// last <see cref="EndedKept"/> ended faults, dropping the oldest, and <c>since</c> leaves out those that ended
    /// before the window: an answer with fewer ended faults than that lost none of the window's (any it dropped ended
    /// before those it kept, before the window). An answer with that many may have lost faults that ended before the
    /// earliest end it holds, but none that started after it: the truth is complete from that end on.
    /// </summary>
    private static DateTimeOffset TruthCompleteFrom(List<Fault> rows, DateTimeOffset asked)
    {
        var ended = rows.Where(r => Ended(r) && r.EndsAt is not null).ToArray();
        if (ended.Length < EndedKept)
        {
            return asked;
        }

        var earliest = ended.Min(r => r.EndsAt!.Value);
        return earliest > asked ? earliest : asked;
    }

    private static AlertScoring.TruthFault Truth(Fault f) =>
        new(f.Id, f.Kind.ApiName, f.Cause, [.. f.Targets.Nodes, .. f.Targets.Links], f.StartsAt, f.EndsAt);

    // Expired or cleared: the registry's history.
    private static bool Ended(Fault fault) => fault.State is FaultState.Expired or FaultState.Cleared;

    // How often the list is read again when it changed while its pages were read.
    private const int TruthReads = 3;

    /// <summary>
    /// The ground truth from <paramref name="from"/> on, read in pages of <see cref="PageSize"/>, each fault once, and
    /// whether the list held still while it was read. Found by probing: the pages (sorted by id, not time) were read
    /// apart and appended, so at max pace, with faults ending between two pages, the boundary moved: up to 7 faults came
    /// twice (a duplicate scored once detected and once missed) and others none (a skipped fault's firing a false
    /// positive), and the unique ended faults fell under <see cref="EndedKept"/>, so the window was taken as complete
    /// though the registry had dropped some of it. Now a fault read twice counts once (its later reading), and a read
    /// of more than one page counts as held still only where every page gave the same count before paging and the first
    /// page, read again after the last, lists the same faults; otherwise the list is read again, up to
    /// <see cref="TruthReads"/> times, and the last read is used with a warning.
    /// </summary>
    private static async Task<(List<Fault> Rows, bool Still)> ReadFaultsAsync(HttpClient admin, DateTimeOffset from, CancellationToken cancellationToken)
    {
        var since = Uri.EscapeDataString(from.ToString("O", CultureInfo.InvariantCulture));
        string Path(int page) => $"/api/faults?all=true&allNodes=true&since={since}&page={page}&pageSize={PageSize}";
        var rows = new List<Fault>();
        for (var read = 1; ; read++)
        {
            var byId = new Dictionary<string, Fault>(StringComparer.Ordinal);
            var totals = new HashSet<long>();
            List<Fault>? first = null;
            for (var page = 1; ; page++)
            {
                // Through SiloApi: a refused key is the line every command says (naming --key and its variable), not a bare 401.
                var (batch, total) = await SiloApi.GetPageAsync<List<Fault>?>(admin, Path(page), cancellationToken);
                batch ??= [];
                first ??= batch;
                totals.Add(total);
                foreach (var fault in batch)
                {
                    byId[fault.Id] = fault;
                }

                if (batch.Count < PageSize)
                {
                    break;
                }
            }

            rows = [.. byId.Values];
            if (first.Count < PageSize)
            {
                return (rows, true); // one page: one answer, read at once
            }

            var (again, last) = await SiloApi.GetPageAsync<List<Fault>?>(admin, Path(1), cancellationToken);
            totals.Add(last);
            if (totals.Count == 1 && (again ?? []).Select(f => f.Id).SequenceEqual(first.Select(f => f.Id), StringComparer.Ordinal))
            {
                return (rows, true);
            }

            if (read == TruthReads)
            {
                return (rows, false);
            }
        }
    }

    private static async Task<List<AlertScoring.Episode>> ReadEpisodesAsync(HttpClient prometheus, Options options, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var query = Uri.EscapeDataString("ALERTS{alertstate=\"firing\"}");
        var url = string.Create(CultureInfo.InvariantCulture, $"/api/v1/query_range?query={query}&start={from.ToUnixTimeMilliseconds() / 1000.0}&end={to.ToUnixTimeMilliseconds() / 1000.0}&step={options.Step.TotalSeconds}");
        using var document = await QueryAsync(prometheus, url, cancellationToken);
        var root = document.RootElement;
        var episodes = new List<AlertScoring.Episode>();
        foreach (var series in root.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            var metric = series.GetProperty("metric");
            var rule = metric.GetProperty("alertname").GetString()!;
            var host = options.HostLabels.Select(l => metric.TryGetProperty(l, out var v) ? v.GetString() : null).FirstOrDefault(v => v is not null);
            var samples = series.GetProperty("values").EnumerateArray().Select(v => DateTimeOffset.FromUnixTimeMilliseconds((long)(v[0].GetDouble() * 1000)));
            var labels = metric.EnumerateObject()
                .Where(l => l.Value.ValueKind == JsonValueKind.String && l.Name is not ("__name__" or "alertname" or "alertstate"))
                .ToDictionary(l => l.Name, l => l.Value.GetString()!, StringComparer.Ordinal);
            episodes.AddRange(AlertScoring.Episodes(rule, host, samples, options.Step * 2, labels));
        }

        return episodes;
    }

    /// <summary>
    /// How often Prometheus scrapes the simulator: the longest <c>scrapeInterval</c> of its active targets
    /// (<c>/api/v1/targets</c>) in a scrape job that holds the simulator's job series (<see cref="SimulatorTargetsQuery"/>),
    /// with words for the warning saying which. Found by the series, not by the address: Prometheus may reach a silo by
    /// another name than the command does (docker-compose: <c>silo1:8080</c> against <c>127.0.0.1:8081</c>), and scrapes
    /// every silo of a cluster. When no target holds them (none scraped yet, or gone), the longest of all active targets,
    /// said so. Where Prometheus names no interval (a target without <c>scrapeInterval</c>, no target at all, or no
    /// <c>/api/v1/targets</c>, as behind Thanos', Mimir's or VictoriaMetrics' query front-ends), its default
    /// <c>scrape_interval</c>, 1 m, is assumed, and <c>Assumed</c> says so (found by review: such a target read 0 s, so
    /// nothing was excused and nothing said, and a backend without the endpoint failed the command).
    /// </summary>
    private static async Task<(TimeSpan Interval, string Of, string? Assumed)> ReadScrapeIntervalAsync(HttpClient prometheus, CancellationToken cancellationToken)
    {
        List<(string? Job, string? Instance, TimeSpan? Interval)> targets;
        try
        {
            using var document = await QueryAsync(prometheus, "/api/v1/targets?state=active", cancellationToken);
            targets = [.. document.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray().Select(t => (
                Label(t, "job"),
                Label(t, "instance"),
                t.TryGetProperty("scrapeInterval", out var i) && i.ValueKind == JsonValueKind.String && PrometheusDuration(i.GetString()!) is { } d && d > TimeSpan.Zero ? d : (TimeSpan?)null))];
        }
        catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException)
        {
            return (DefaultInterval, "Prometheus' default scrape interval, assumed", string.Create(CultureInfo.InvariantCulture, $"Prometheus' /api/v1/targets could not be read ({OneLine(e.Message, 200)}), so its default scrape_interval, 1 m, was assumed for the simulator"));
        }

        HashSet<(string?, string?)> simulator;
        using (var document = await QueryAsync(prometheus, $"/api/v1/query?query={Uri.EscapeDataString(SimulatorTargetsQuery)}", cancellationToken))
        {
            simulator = [.. document.RootElement.GetProperty("data").GetProperty("result").EnumerateArray().Select(r => (Label(r, "job", "metric"), Label(r, "instance", "metric")))];
        }

        var mine = targets.Where(t => simulator.Contains((t.Job, t.Instance))).ToArray();
        var (of, chosen) = mine.Length > 0
            ? (mine.Length == 1 ? "the simulator's scrape interval" : string.Create(CultureInfo.InvariantCulture, $"the longest scrape interval of the simulator's {mine.Length} targets"), mine)
            : (string.Create(CultureInfo.InvariantCulture, $"the longest scrape interval of Prometheus' {targets.Count} targets, none holding the simulator's series"), [.. targets]);
        var unnamed = chosen.Length == 0 ? 1 : chosen.Count(t => t.Interval is null);
        if (unnamed == 0)
        {
            return (chosen.Max(t => t.Interval!.Value), of, null);
        }

        var named = chosen.Select(t => t.Interval).OfType<TimeSpan>().DefaultIfEmpty(TimeSpan.Zero).Max();
        return (Longer(named, DefaultInterval), $"{of} (1 m assumed where none is named)", chosen.Length == 0
            ? "Prometheus has no active target to name a scrape interval, so its default scrape_interval, 1 m, was assumed"
            : string.Create(CultureInfo.InvariantCulture, $"Prometheus named no scrape interval for {unnamed:N0} of the {chosen.Length:N0} target(s) taken ({of}), so its default scrape_interval, 1 m, was assumed for them"));
    }

    /// <summary>
    /// Which scrape targets (<c>job</c>, <c>instance</c>) are the simulator's: every target of a scrape job that holds
    /// <c>gpusim_step_number</c>. Every silo is a target, but only the job's silo exports the job's series; a silo's
    /// <c>up</c> is one series, and <c>gpusim_step_number</c> one per scenario, so the query touches a handful of series
    /// (found by review: it matched every <c>gpusim_*</c> and <c>DCGM_FI_*</c> series, millions with dcgm at scale).
    /// </summary>
    internal const string SimulatorTargetsQuery = "group by (job, instance) (up and on (job) gpusim_step_number)";

    private static string? Label(JsonElement element, string name, string property = "labels") =>
        element.TryGetProperty(property, out var labels) && labels.ValueKind == JsonValueKind.Object && labels.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>A Prometheus duration (<c>1m30s</c>, <c>500ms</c>, <c>2h</c>; units ms, s, m, h, d, w, y), or null when it is not one.</summary>
    internal static TimeSpan? PrometheusDuration(string text)
    {
        var total = TimeSpan.Zero;
        var at = 0;
        while (at < text.Length)
        {
            var digits = at;
            while (at < text.Length && char.IsAsciiDigit(text[at]))
            {
                at++;
            }

            var units = at;
            while (at < text.Length && char.IsAsciiLetter(text[at]))
            {
                at++;
            }

            if (digits == units || units == at || !long.TryParse(text.AsSpan(digits, units - digits), NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                return null;
            }

            TimeSpan? unit = text[units..at] switch
            {
                "ms" => TimeSpan.FromMilliseconds(1),
                "s" => TimeSpan.FromSeconds(1),
                "m" => TimeSpan.FromMinutes(1),
                "h" => TimeSpan.FromHours(1),
                "d" => TimeSpan.FromDays(1),
                "w" => TimeSpan.FromDays(7),
                "y" => TimeSpan.FromDays(365),
                _ => null,
            };
            if (unit is not { } u)
            {
                return null;
            }

            total += u * count;
        }

        return text.Length == 0 ? null : total;
    }

    // Every alerting rule Prometheus holds, so a rule that never fired is scored too (every fault missed), each with its
    // group's evaluation interval: Prometheus' default, 1 m, assumed where the group names none.
    private static async Task<List<(string Name, string Group, TimeSpan Evaluation, bool Assumed)>> ReadRulesAsync(HttpClient prometheus, CancellationToken cancellationToken)
    {
        using var document = await QueryAsync(prometheus, "/api/v1/rules?type=alert", cancellationToken);
        var rules = new List<(string Name, string Group, TimeSpan Evaluation, bool Assumed)>();
        foreach (var group in document.RootElement.GetProperty("data").GetProperty("groups").EnumerateArray())
        {
            var named = group.TryGetProperty("interval", out var i) && i.ValueKind == JsonValueKind.Number && i.GetDouble() > 0 ? TimeSpan.FromSeconds(i.GetDouble()) : (TimeSpan?)null;
            var name = group.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "(unnamed)";
            rules.AddRange(group.GetProperty("rules").EnumerateArray().Select(r => (r.GetProperty("name").GetString()!, name, named ?? DefaultInterval, named is null)));
        }

        return rules;
    }

    /// <summary>
    /// One call of Prometheus' HTTP API, its answer when <c>status</c> is <c>success</c>; otherwise an
    /// <see cref="InvalidOperationException"/> whose one line names Prometheus and its <c>error</c> (a window of more
    /// points than a range query may return is a 400 with <c>{"status":"error","error":"..."}</c>).
    /// </summary>
    private static async Task<JsonDocument> QueryAsync(HttpClient prometheus, string path, CancellationToken cancellationToken)
    {
        using var response = await prometheus.GetAsync(new Uri(path, UriKind.Relative), cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var at = $"Prometheus at {prometheus.BaseAddress}";
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            throw new InvalidOperationException($"{at} answered {(int)response.StatusCode} {response.ReasonPhrase} without its API's JSON: {OneLine(body, 200)}");
        }

        var root = document.RootElement;
        if (response.IsSuccessStatusCode && root.ValueKind == JsonValueKind.Object && root.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.String && status.GetString() == "success")
        {
            return document;
        }

        using (document)
        {
            var error = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString()! : root.GetRawText();
            throw new InvalidOperationException($"{at} refused the query ({(int)response.StatusCode} {response.ReasonPhrase}): {OneLine(error, 500)}");
        }
    }

    private static string OneLine(string text, int most)
    {
        var line = string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return line.Length <= most ? line : string.Concat(line.AsSpan(0, most), "...");
    }
}
