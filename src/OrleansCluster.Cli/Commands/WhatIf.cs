using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using OrleansCluster.Cli.Reports;
using OrleansCluster.Model.WhatIf;

namespace OrleansCluster.Cli.Commands;

/// <summary>
/// <c>orleanscluster whatif</c>: posts variants of the loaded scenario to <c>POST /api/whatif</c> (DESIGN.md 7.7)
/// and reports every variant's throughput, breakdown and money, ranked, with the time the answer took.
/// </summary>
public static class WhatIf
{
    /// <summary>The variant with neither patch nor change: the scenario as loaded.</summary>
    public const string Baseline = "baseline";

    /// <summary>The width the tables are laid out to when the output is not a terminal: each section's table fits it unwrapped.</summary>
    public const int RedirectedWidth = 120;

    /// <summary>The width for <c>--wide</c> when the output is not a terminal: wide enough that a variant's row stays one line.</summary>
    public const int WideRedirectedWidth = 1000;

    /// <summary>What <c>--variants</c> takes, for its help and for the error naming a value it does not.</summary>
    public static string Takes { get; } =
        $"standard (the baseline and every named change that applies), a named change or a comma-separated list of them ({Baseline}, {string.Join(", ", NamedChanges.Forms.Where(f => f != NamedChanges.Standard))}, standard), or a JSON file: an array of {{name, patch and/or change; neither: the baseline}} or a whole request";

    /// <summary>
    /// The request body for <paramref name="variants"/>: a file (an existing path) holding a variants array or a whole
    /// request; otherwise named changes, comma-separated (<c>standard</c> one of them, <see cref="Baseline"/> the scenario
    /// as loaded). A value that is neither is refused naming what <c>--variants</c> takes (found by a newcomer:
    /// <c>--variants drop-site:west</c> was read as a file, "Could not find file '.../drop-site:west'").
    /// </summary>
    public static JsonObject Request(string variants, int? steps, string? objective)
    {
        ArgumentNullException.ThrowIfNull(variants);
        JsonObject body;
        var named = variants.Split(',', StringSplitOptions.TrimEntries);
        if (!File.Exists(variants) && !Directory.Exists(variants))
        {
            if (!named.All(c => c == Baseline || NamedChanges.IsNamed(c)))
            {
                var wrong = named.First(c => c != Baseline && !NamedChanges.IsNamed(c));
                throw new ArgumentException(named.Length == 1
                    ? $"--variants '{variants}' is no file here, nor a named change: it takes {Takes}"
                    : $"--variants '{variants}': '{wrong}' is not a named change: it takes {Takes}");
            }

            body = new JsonObject { ["variants"] = new JsonArray([.. named.Select(c => (JsonNode)(c == Baseline ? new JsonObject { ["name"] = Baseline } : new JsonObject { ["change"] = c }))]) };
        }
        else
        {
            var node = JsonNode.Parse(InputFile.ReadJson(variants), documentOptions: InputFile.JsonOptions);
            body = node switch
            {
                JsonArray array => new JsonObject { ["variants"] = array },
                JsonObject whole => whole,
                _ => throw new ArgumentException($"{variants}: a JSON array of variants or a request object is required", nameof(variants)),
            };
        }

        if (steps is { } s)
        {
            body["steps"] = s;
        }

        if (objective is not null)
        {
            body["objective"] = objective;
        }

        return body;
    }

    /// <summary>Posts <paramref name="body"/> and reads the answer; a refusal is an error carrying the problem's detail.</summary>
    public static async Task<Report> RunAsync(HttpClient client, JsonObject body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var started = TimeProvider.System.GetTimestamp();
        using var response = await client.PostAsJsonAsync("/api/whatif", body, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var detail = text.Length > 0 && JsonNode.Parse(text) is JsonObject problem && problem["detail"] is { } d ? d.ToString() : text;
            throw new InvalidOperationException($"POST /api/whatif answered {(int)response.StatusCode}: {detail}");
        }

        var answer = JsonSerializer.Deserialize<WhatIfReport>(text, SiloApi.Json) ?? throw new InvalidOperationException("POST /api/whatif answered an empty body");
        return new Report(answer.Scenario, answer.Steps, answer.Objective, answer.Variants, answer.Ranking) { ElapsedSeconds = TimeProvider.System.GetElapsedTime(started).TotalSeconds };
    }

    // Not the wire type (the model's WhatIfReport, read above): the CLI's report adds the time measured here, its JSON flat as before.
    /// <summary>The server's answer, and how long it took from here.</summary>
    public sealed record Report(string Scenario, int Steps, string Objective, IReadOnlyList<VariantResult> Variants, IReadOnlyList<string> Ranking) : ICommandReport
    {
        /// <summary>Seconds from the request to the answer, measured by the CLI.</summary>
        public double ElapsedSeconds { get; init; }

        /// <summary>Whether the tables put every figure of a variant on one row (<c>--wide</c>); not part of the report's JSON.</summary>
        [JsonIgnore]
        public bool Wide { get; init; }

        /// <summary>The variants in ranking order.</summary>
        public IEnumerable<VariantResult> Ranked() => Ranking.Select(name => Variants.First(v => v.Name == name));

        public bool Held() => Variants.Any(v => v.Error is null);

        public string Summary()
        {
            // A stalled variant fails the same step on every replay: it does no useful work, and is never the best.
            var best = Ranked().FirstOrDefault(v => v.Error is null && !v.Stalled);
            var stalled = Variants.Count(v => v.Error is null && v.Stalled);
            return best is null
                ? stalled > 0
                    ? $"what-if on {Scenario}: no variant gets past its failing step ({stalled} stalled)"
                    : $"what-if on {Scenario}: no variant could be evaluated"
                : $"what-if on {Scenario}: {Variants.Count} variants x {Steps} steps in {ReportWriter.F(ElapsedSeconds, 1)} s; best by {Objective}: {best.Name} ({ReportWriter.F(best.UsefulPflopsPerSecond / 1000, 2)} useful EFLOP/s{(best.Money is { } m ? $", {ReportWriter.N(m.UsdPer1e21Flops)} USD per 1e21 FLOPs" : string.Empty)})";
        }

        /// <summary>One table a section (the default, for a terminal), or, when <see cref="Wide"/>, every figure of a variant on one row (<see cref="WhatIfTables"/>).</summary>
        public IReadOnlyList<ReportTable> Tables() => Wide ? WhatIfTables.Wide(this) : WhatIfTables.Sections(this);
    }
}
