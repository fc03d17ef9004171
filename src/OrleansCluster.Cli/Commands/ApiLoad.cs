using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using HdrHistogram;
using OrleansCluster.Abstractions.Api;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Cli.Reports;

namespace OrleansCluster.Cli.Commands;

/// <summary>
/// <c>api</c>: N concurrent callers each inject a fault, read it back and clear it, at a target rate, for a
/// bounded number of rounds and time; then checks that the fault list ends as it began (nothing lost or left).
/// Refusals by the silo's rate limit (429) and by its fault registry's admission (503 "Fault registry busy", counted as
/// <c>503 busy</c>: refused before the registry, nothing changed) are counted as errors apart; a refused inject skips
/// its round, a refused clear is retried after Retry-After. The run holds only when the list ends as it began, something was
/// injected and no call failed otherwise (a 5xx, a timeout, a lost connection): a run whose every call failed
/// measured nothing. A silo that stops answering (<see cref="SiloWatch"/>) ends the run early: the report keeps what
/// ran before, the failures among it, and says why it stopped; the fault list is then read if the silo answers again.
/// </summary>
public static class ApiLoad
{
    /// <summary>The error key of a refusal by the silo's rate limit.</summary>
    private const string RateLimited = "429";

    /// <summary>
    /// The error key of a refusal by the silo's fault registry admission: a 503 with this title, answered before the
    /// call reached the registry, which changed nothing (any other 503 is a failed call).
    /// </summary>
    private const string RegistryBusy = "503 busy";

    /// <summary>The problem title of the silo's <see cref="RegistryBusy"/> refusal.</summary>
    private const string RegistryBusyTitle = "Fault registry busy";

    /// <summary>The fault each round injects: slight enough not to disturb the job, and told apart from others' by its shape.</summary>
    private const string SlowdownKind = "node.slowdown";
    private const double SlowdownFactor = 1.01;
    private const double SlowdownSeconds = 600;

    private static readonly string[] Operations = ["inject", "read", "clear"];

    /// <summary>How long past the time limit a caller keeps retrying a rate-limited clear.</summary>
    private static readonly TimeSpan RetryGrace = TimeSpan.FromSeconds(30);

    public sealed record Options(int Callers, int Rounds, double CallsPerSecond, TimeSpan MaxDuration)
    {
        /// <summary>
        /// An <see cref="ArgumentException"/> when an option is out of range (exit 2): the command checks before it calls
        /// anything, <see cref="RunAsync"/> again for a caller that built the options itself.
        /// </summary>
        public void ThrowIfOutOfRange()
        {
            if (Callers < 1 || Rounds < 1 || !(CallsPerSecond >= 0) || MaxDuration < TimeSpan.FromSeconds(1) || MaxDuration > TimeSpan.FromSeconds(RunLimits.MaxSeconds))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--callers and --rounds must be at least 1, --rate >= 0 and --seconds from 1 to {RunLimits.MaxSeconds:N0}"));
            }
        }
    }

    public sealed record OperationReport(string Name, Latency Latency, IReadOnlyDictionary<string, int> Errors);

    public sealed record Report(
        int Callers,
        double DurationSeconds,
        double CallsPerSecond,
        IReadOnlyList<OperationReport> Operations,
        int Injected,
        int Cleared,
        int? Leftover,
        bool? Consistent,
        string? Stopped = null) : ICommandReport
    {
        /// <summary>
        /// <see cref="Leftover"/> and <see cref="Consistent"/> are null when the fault list could not be read after the
        /// run (its silo gone); <see cref="Stopped"/> says why the run ended before its rounds and time.
        /// </summary>
        public bool Held() => Consistent == true && Injected > 0 && FailedCalls() == 0 && Stopped is null;

        /// <summary>
        /// Calls that failed: every error but the refusals by the rate limit (429) and the busy registry (503 busy),
        /// which the run expects and works around (a refused inject skips its round, a refused clear is retried).
        /// </summary>
        public int FailedCalls() => Operations.Sum(o => o.Errors.Where(e => !IsRefusal(e.Key)).Sum(e => e.Value));

        public string Summary()
        {
            var list = Consistent switch
            {
                true => $"left over {Leftover}: the fault list ends consistent",
                false => $"left over {Leftover}: the fault list is INCONSISTENT",
                null => "the fault list could not be read after the run",
            };
            var summary = $"{Callers} callers, {ReportWriter.F(DurationSeconds, 1)} s, {ReportWriter.N(CallsPerSecond)} calls/s; injected {Injected}, cleared {Cleared}, {list}";
            var failed = Operations
                .SelectMany(o => o.Errors.Where(e => !IsRefusal(e.Key)).Select(e => $"{o.Name} {e.Key}: {e.Value}"))
                .ToArray();
            return summary
                + (failed.Length > 0 ? $"; FAILED: {ReportWriter.N(FailedCalls())} call(s) failed ({string.Join(", ", failed)})" : string.Empty)
                + (Injected == 0 ? "; FAILED: nothing was injected" : string.Empty)
                + (Stopped is not null ? $"; STOPPED: {Stopped}" : string.Empty);
        }

        public IReadOnlyList<ReportTable> Tables() =>
        [
            new ReportTable(
                "Admin API calls",
                ["call", "count", "p50 ms", "p99 ms", "max ms", "errors"],
                Operations.Select(o => (IReadOnlyList<string>)[o.Name, .. o.Latency.Cells(), o.Errors.Count == 0 ? "-" : string.Join(", ", o.Errors.Select(e => $"{e.Key}: {e.Value}"))]).ToArray()),
        ];
    }

    public static async Task<Report> RunAsync(HttpClient client, Options options, IProgress<RunProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfOutOfRange();

        var nodes = await PickNodesAsync(client, cancellationToken);

        // The faults listed before the run: whatever is listed after it that was not, and has the shape of the run's
        // own faults, is left over, including an inject that landed though its answer was an error or never came.
        var before = await ListIdsAsync(client, cancellationToken);
        using var watch = new SiloWatch();
        var histograms = Operations.ToDictionary(n => n, _ => Latency.NewHistogram());
        var errors = histograms.Keys.ToDictionary(n => n, _ => new ConcurrentDictionary<string, int>());
        var injected = new ConcurrentBag<string>();
        var cleared = new ConcurrentBag<string>();
        var clock = Stopwatch.StartNew();
        var planned = 3L * options.Callers * options.Rounds;
        long done = 0;
        // Seconds between one caller's rounds, as a double: --rate 1e-300 made a TimeSpan overflow.
        var interval = options.CallsPerSecond > 0 ? 3.0 * options.Callers / options.CallsPerSecond : 0;

        async Task CallerAsync(int caller)
        {
            var next = clock.Elapsed.TotalSeconds;
            for (var round = 0; round < options.Rounds && clock.Elapsed < options.MaxDuration && !cancellationToken.IsCancellationRequested && watch.Lost is null; round++)
            {
                // In long: --callers 2 --rounds 2147483647 passed int.MaxValue, and the negative index failed the run.
                var id = await InjectAsync(nodes[(int)((((long)caller * options.Rounds) + round) % nodes.Count)]);
                if (id is not null)
                {
                    injected.Add(id);
                    (await TimeAsync("read", () => client.GetAsync($"/api/faults/{id}", cancellationToken))).Response?.Dispose();

                    if (await ClearAsync(id))
                    {
                        cleared.Add(id);
                    }
                }

                // A wait is for a next round: none after the last, nor for one due past --seconds, which never starts
                // (a slow --rate held a one-round run of --seconds 3 for 12 s, its whole interval).
                next += interval;
                if (round + 1 == options.Rounds || next >= options.MaxDuration.TotalSeconds)
                {
                    break;
                }

                var wait = next - clock.Elapsed.TotalSeconds;
                if (wait > 0)
                {
                    using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, watch.LostToken);
                    await Task.Delay(TimeSpan.FromSeconds(wait), waiting.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    cancellationToken.ThrowIfCancellationRequested();
                }
            }
        }

        async Task<string?> InjectAsync(string node)
        {
            var request = new FaultRequest(SlowdownKind, new FaultTargetRequest(Node: node), new Dictionary<string, double> { ["factor"] = SlowdownFactor }, DurationSeconds: SlowdownSeconds);
            using var content = new StringContent(JsonSerializer.Serialize(request, SiloApi.Json), Encoding.UTF8, "application/json");
            var (answer, _) = await TimeAsync("inject", () => client.PostAsync("/api/faults", content, cancellationToken));
            using var response = answer;
            return response is { IsSuccessStatusCode: true }
                ? (await response.Content.ReadFromJsonAsync<Fault>(SiloApi.Json, cancellationToken))?.Id
                : null;
        }

        // A clear refused by the rate limit or the busy registry is counted and tried again after Retry-After, so
        // that the fault list can still end as it began.
        async Task<bool> ClearAsync(string id)
        {
            while (true)
            {
                var (response, error) = await TimeAsync("clear", () => client.DeleteAsync($"/api/faults/{id}", cancellationToken));
                using (response)
                {
                    if (!IsRefusal(error) || clock.Elapsed >= options.MaxDuration + RetryGrace || watch.Lost is not null)
                    {
                        return response is { IsSuccessStatusCode: true };
                    }

                    await Task.Delay(response!.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1), cancellationToken);
                }
            }
        }

        // The answer (null when none came) and the error key it was counted under (null for a success).
        async Task<(HttpResponseMessage? Response, string? Error)> TimeAsync(string operation, Func<Task<HttpResponseMessage>> call)
        {
            var start = Stopwatch.GetTimestamp();
            HttpResponseMessage? response = null;
            string? error = null;
            try
            {
                response = await call();
                watch.Answered();
                if (!response.IsSuccessStatusCode)
                {
                    error = await ErrorKeyAsync(response, cancellationToken);
                }
            }
            catch (HttpRequestException e)
            {
                error = e.StatusCode?.ToString() ?? "connection";
                if (SiloWatch.IsNoAnswer(e))
                {
                    watch.Unanswered(e);
                }
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                error = "timeout";
            }

            if (error is not null)
            {
                errors[operation].AddOrUpdate(error, 1, (_, n) => n + 1);
            }

            var micros = (long)Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            var histogram = histograms[operation];
            lock (histogram)
            {
                histogram.RecordValue(Math.Min(micros, histogram.HighestTrackableValue));
            }

            var calls = Interlocked.Increment(ref done);
            progress?.Report(new RunProgress("api", $"{calls:N0} of {planned:N0} calls", Math.Max((double)calls / planned, clock.Elapsed / options.MaxDuration)));
            return (response, error);
        }

        await Task.WhenAll(Enumerable.Range(0, options.Callers).Select(CallerAsync));
        var elapsed = clock.Elapsed.TotalSeconds;
        progress?.Report(new RunProgress("api", $"{Interlocked.Read(ref done):N0} calls", 1));

        // Read even after the silo was lost: it may answer again (a restart), and the list is the run's check.
        var stopped = watch.Lost;
        int? leftover = null;
        try
        {
            var after = await SiloApi.GetAsync<Fault[]>(client, "/api/faults", cancellationToken);
            leftover = after.Count(f => !before.Contains(f.Id) && IsTheRunsShape(f));
        }
        catch (HttpRequestException e) when (SiloWatch.IsNoAnswer(e))
        {
            stopped ??= $"the fault list could not be read after the run: {e.Message}";
        }

        var ours = injected.ToArray();
        bool? consistent = leftover is { } n
            ? ours.Distinct(StringComparer.Ordinal).Count() == ours.Length && cleared.Count == ours.Length && n == 0
            : null;
        var operations = histograms.Select(p => new OperationReport(p.Key, Latency.From(p.Value), errors[p.Key].ToDictionary(e => e.Key, e => e.Value))).ToArray();
        return new Report(options.Callers, elapsed, operations.Sum(o => o.Latency.Count) / elapsed, operations, ours.Length, cleared.Count, leftover, consistent, stopped);
    }

    /// <summary>Whether an error key is a refusal the run expects and works around, not a failed call.</summary>
    private static bool IsRefusal(string? error) => error is RateLimited or RegistryBusy;

    /// <summary>An error status's key: its code, or <see cref="RegistryBusy"/> for the registry admission's 503.</summary>
    private static async Task<string> ErrorKeyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var code = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
        if (response.StatusCode != HttpStatusCode.ServiceUnavailable || response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return code;
        }

        try
        {
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            return problem.RootElement.ValueKind == JsonValueKind.Object
                && problem.RootElement.TryGetProperty("title", out var title)
                && title.ValueKind == JsonValueKind.String
                && title.GetString() == RegistryBusyTitle
                ? RegistryBusy
                : code;
        }
        catch (JsonException)
        {
            return code;
        }
    }

    private static async Task<HashSet<string>> ListIdsAsync(HttpClient client, CancellationToken cancellationToken) =>
        (await SiloApi.GetAsync<Fault[]>(client, "/api/faults", cancellationToken)).Select(f => f.Id).ToHashSet(StringComparer.Ordinal);

    /// <summary>An operator's fault of the kind, factor and duration the run injects (not a background failure, nor a campaign's).</summary>
    private static bool IsTheRunsShape(Fault fault) =>
        fault.Kind.ApiName == SlowdownKind
        && fault.Source is null
        && fault.Campaign is null
        && fault.DurationSeconds == SlowdownSeconds
        && fault.Params.TryGetValue("factor", out var factor) && factor == SlowdownFactor;

    private static async Task<IReadOnlyList<string>> PickNodesAsync(HttpClient client, CancellationToken cancellationToken)
    {
        var page = await SiloApi.GetAsync<NodePage>(client, "/api/nodes?pageSize=100", cancellationToken);
        var nodes = page.Nodes.Select(n => n.Id).ToArray();
        return nodes.Length > 0 ? nodes : throw new InvalidOperationException("the cluster has no nodes to target");
    }
}
