using System.CommandLine;
using OrleansCluster.Cli.Reports;
using OrleansCluster.Model.WhatIf;

namespace OrleansCluster.Cli.Commands;

/// <summary>The <c>whatif</c> command line: options, the request, and its table, JSON, Markdown and charts.</summary>
public static class WhatIfCommand
{
    public static Command Create(Option<string> url, Option<string?> key, Option<string> output, Option<string?> report)
    {
        var variants = new Option<string>("--variants") { Description = $"{WhatIf.Takes} (docs/economics.md, Named changes).", DefaultValueFactory = _ => NamedChanges.Standard };
        var objective = new Option<string?>("--objective") { Description = "Ranking: useful-flops, tokens-per-second, usd-per-1e21-flops, net-usd-per-1e21-flops or usd-per-million-tokens (server default: useful-flops)." };
        var steps = new Option<int?>("--steps") { Description = "Steps per variant (server default: 20)." };
        var withFaults = new Option<bool>("--with-faults") { Description = "Carry the faults in force on the live run into every variant." };
        var wide = new Option<bool>("--wide") { Description = $"One table with every figure of a variant on its row (about 250 columns: for a wide terminal or a file), as the Markdown of --report then has too. Without it, one table a section, laid out to the terminal's width ({WhatIf.RedirectedWidth} columns when not a terminal); --output json holds every figure either way." };
        var command = new Command("whatif", "Evaluate variants of the loaded scenario with the model's plain loop (POST /api/whatif): throughput, breakdown, money and a ranking; with --report, charts too.")
        {
            variants, objective, steps, withFaults, wide,
        };
        command.SetAction(async (parse, ct) =>
        {
            try
            {
                // The silo bounds --steps from above (WhatIf:MaxSteps, its own setting); under 1 is no evaluation at all.
                if (parse.GetValue(steps) is int given and < 1)
                {
                    throw new ArgumentException($"--steps must be at least 1 (got {given})");
                }

                var target = Target.Parse(parse.GetValue(url)!, parse.GetValue(key));
                using var client = (target with { Timeout = TimeSpan.FromMinutes(10) }).CreateClient();
                var body = WhatIf.Request(parse.GetValue(variants)!, parse.GetValue(steps), parse.GetValue(objective));
                if (parse.GetValue(withFaults))
                {
                    body["withFaults"] = true;
                }

                // As every command that calls the admin API: a refused key is one line naming --key and its variable.
                await SiloApi.CheckKeyAsync(client, ct);
                var result = await WhatIf.RunAsync(client, body, ct) with { Wide = parse.GetValue(wide) };
                ReportWriter.Write(Console.Out, result, parse.GetValue(output)!, result.Wide ? WhatIf.WideRedirectedWidth : WhatIf.RedirectedWidth);
                if (parse.GetResult(report) is { } asked)
                {
                    var folder = asked.Tokens.Count > 0 ? asked.Tokens[0].Value : ReportWriter.DefaultPath("whatif", DateTimeOffset.UtcNow);
                    var written = await ReportWriter.WriteFilesAsync(Path.GetFullPath(folder), "whatif", result, target.BaseAddress, path => WhatIfChart.SavePng(result, path), ct);
                    await Console.Error.WriteLineAsync($"report: {string.Join(", ", written)}");
                }

                return result.Held() ? 0 : 1;
            }
            catch (Exception e) when (e is KeyRefusedException || CommandErrors.CouldNotRun(e, ct))
            {
                await Console.Error.WriteLineAsync($"error: {CommandErrors.Describe(e)}");
                return 2;
            }
        });
        return command;
    }
}
