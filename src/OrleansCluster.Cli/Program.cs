using System.CommandLine;
using System.CommandLine.Invocation;
using System.Net;
using OrleansCluster.Cli;
using OrleansCluster.Cli.Commands;
using OrleansCluster.Cli.Reports;

// Exit codes: 0 the run held (its checks passed), 1 it ran but a check failed, 2 it could not run.
var urlOption = new Option<string>("--url") { Description = "The silo's HTTP address for the admin API (loopback only; without it, the first --silo where one is given).", DefaultValueFactory = _ => "http://127.0.0.1:8080", Recursive = true };
var siloOption = new Option<string[]>("--silo") { Description = "A silo's HTTP address (repeat for each silo; default: --url). Without --url, the first one also answers the admin API.", AllowMultipleArgumentsPerToken = true, Recursive = true };
// No DefaultValueFactory: help prints an option's default, and the key must never show (Target.Parse reads the variable).
var keyOption = new Option<string?>("--key") { Description = $"The admin key (default: ${SiloApi.KeyVariable}).", Recursive = true };
var outputOption = new Option<string>("--output") { Description = "table or json.", DefaultValueFactory = _ => "table", Recursive = true };
outputOption.AcceptOnlyFromAmong("table", "json");

var reportOption = new Option<string?>("--report")
{
    Description = $"Also write the report into this folder: COMMAND.json, COMMAND.md and, for ramp, ramp.png, for whatif, whatif.png and whatif-eflops.png, whatif-breakdown.png, whatif-cost.png (without a folder: {ReportWriter.DefaultFolder}/COMMAND-TIME, which git ignores).",
    Arity = ArgumentArity.ZeroOrOne,
    Recursive = true,
};

var callersOption = new Option<int>("--callers") { Description = "Concurrent callers.", DefaultValueFactory = _ => 8 };
var roundsOption = new Option<int>("--rounds") { Description = "Inject/read/clear rounds per caller.", DefaultValueFactory = _ => 50 };
var rateOption = new Option<double>("--rate") { Description = "Target calls per second over all callers (0: as fast as they answer).", DefaultValueFactory = _ => 0 };
var secondsOption = new Option<int>("--seconds") { Description = "Time limit.", DefaultValueFactory = _ => 60 };
var api = new Command("api", "Concurrent callers inject, read and clear faults; latency per call, errors by status, and whether the fault list ends consistent.")
{
    callersOption, roundsOption, rateOption, secondsOption,
};
api.SetAction(async (parse, ct) => await RunAsync(parse, ct, () => ApiOptions(parse), async (target, options) =>
{
    using var client = target.CreateClient();
    var report = await LiveProgress.RunAsync(Live(parse), progress => ApiLoad.RunAsync(client, options, progress, ct));
    return await FinishAsync(parse, "api", report, target, null, ct);
}));

var scrapersOption = new Option<int>("--scrapers") { Description = "Concurrent scrapers per silo.", DefaultValueFactory = _ => 4 };
var durationOption = new Option<int>("--seconds") { Description = "How long to scrape.", DefaultValueFactory = _ => 20 };
var scrapeTimeoutOption = new Option<double>("--timeout") { Description = "Seconds a scrape may take: one past it counts as failed (the key's check and the step-rate reads keep 30 s).", DefaultValueFactory = _ => Target.DefaultTimeout.TotalSeconds };
var scrape = new Command("scrape", "Concurrent scrapers of /metrics on every silo; latency, bytes and samples per scrape, and steps/s before and during.")
{
    scrapersOption, durationOption, scrapeTimeoutOption,
};
// --timeout is the scrapes' alone: the key's check and the step-rate reads keep the default, so that a short one for
// the scrapes does not fail the run on a busy silo's slower control answers (found in a busy CI run: "no answer in time").
scrape.SetAction(async (parse, ct) => await RunAsync(parse, ct, () => (Options: ScrapeOptions(parse), Timeout: ScrapeTimeout(parse)), async (target, prepared) =>
{
    using var admin = target.CreateClient();
    var silos = Silos(parse, target with { Timeout = prepared.Timeout });
    try
    {
        var report = await LiveProgress.RunAsync(Live(parse), progress => ScrapeLoad.RunAsync(admin, silos, prepared.Options, progress, ct));
        return await FinishAsync(parse, "scrape", report, target, null, ct);
    }
    finally
    {
        Dispose(silos);
    }
}));

var fileArgument = new Argument<string>("file") { Description = "A fault campaign: {name, description?, faults: [...]}." };
var limitOption = new Option<int>("--seconds") { Description = "How long to follow the campaign.", DefaultValueFactory = _ => 300 };
var clearOption = new Option<bool>("--clear") { Description = "At the end, clear the campaign's faults still pending or in force (DELETE /api/faults?campaign=NAME: an earlier replay's of the same name too). Without it they stay, and the end lists them with the command that clears them." };
var campaign = new Command("campaign", "Replay a fault campaign against the cluster, printing each fault as it lands and the step time and top straggler that follow; at the end, which of its faults are still in force (they stay unless --clear).")
{
    fileArgument, limitOption, clearOption,
};
campaign.SetAction(async (parse, ct) => await RunAsync(parse, ct, () => CampaignOptions(parse), async (target, replay) =>
{
    using var client = target.CreateClient();
    var table = parse.GetValue(outputOption) == "table";
    var report = await CampaignReplay.RunAsync(client, replay.Json, replay.Limit, parse.GetValue(clearOption), table ? l => Console.WriteLine(CampaignReplay.Describe(l)) : null, ct);
    var held = await FinishAsync(parse, "campaign", report, target, null, ct);
    if (table && report.Left?.ClearCommand is { } command)
    {
        // The summary names it too, but wrapped to the terminal's width: this line is the one to copy.
        Console.WriteLine(command);
    }

    return held;
}));

var sizesOption = new Option<int[]>("--sizes") { Description = "Node counts to ramp through.", DefaultValueFactory = _ => [1_000, 5_000, 25_000], AllowMultipleArgumentsPerToken = true };
var colossusOption = new Option<bool>("--colossus") { Description = "Include the full colossus preset, at its size (88,000 nodes)." };
var floorOption = new Option<double>("--floor") { Description = "Steps/s a size must keep at max pace.", DefaultValueFactory = _ => 1 };
var windowOption = new Option<int>("--window") { Description = "Seconds measured per size.", DefaultValueFactory = _ => 15 };
var warmupOption = new Option<int>("--warmup") { Description = "Seconds before measuring each size.", DefaultValueFactory = _ => 5 };
var ramp = new Command("ramp", "Load scenarios of growing size at max pace and measure steps/s, step wall time, grain calls/s, and per silo scrape time and size, memory and CPU; stop at the first size under the floor and say why.")
{
    sizesOption, colossusOption, floorOption, windowOption, warmupOption,
};
ramp.SetAction(async (parse, ct) => await RunAsync(parse, ct, () => RampOptions(parse), async (target, options) =>
{
    using var admin = (target with { Timeout = TimeSpan.FromMinutes(10) }).CreateClient(); // loading a large scenario takes a while
    var silos = Silos(parse, target);
    try
    {
        var report = await LiveProgress.RunAsync(Live(parse), progress => Ramp.RunAsync(admin, silos, options, progress, ct));
        if (report.Warning is { } warning)
        {
            await Console.Error.WriteLineAsync($"warning: {warning}");
        }

        return await FinishAsync(parse, "ramp", report, target, path => RampChart.SavePng(report, path), ct);
    }
    finally
    {
        Dispose(silos);
    }
}));

var clusterIdOption = new Option<string>("--cluster-id") { Description = "The Orleans cluster id (Orleans:ClusterId).", DefaultValueFactory = _ => "orleanscluster" };
var gatewayOption = new Option<int>("--gateway-port") { Description = "The localhost gateway port (Orleans:GatewayPort).", DefaultValueFactory = _ => 30000 };
var redisOption = new Option<string?>("--redis") { Description = "Connect through Redis membership instead (Orleans:Redis, loopback)." };
var connectTimeoutOption = new Option<double>("--connect-timeout") { Description = "Seconds to wait for the cluster to accept the connection.", DefaultValueFactory = _ => ClusterConnection.DefaultConnectTimeout.TotalSeconds };
var status = new Command("status", "Read the job straight from its grain as an Orleans client (localhost gateway or Redis).")
{
    clusterIdOption, gatewayOption, redisOption, connectTimeoutOption,
};
status.SetAction(async (parse, ct) =>
{
    try
    {
        // Port 0 is not refused by the Orleans client: it waits for a gateway that never answers.
        if (parse.GetValue(gatewayOption) is var port and (< 1 or > IPEndPoint.MaxPort))
        {
            throw new ArgumentException($"--gateway-port must be from 1 to {IPEndPoint.MaxPort} (got {port})");
        }

        var connectSeconds = parse.GetValue(connectTimeoutOption);
        if (!(connectSeconds > 0 && double.IsFinite(connectSeconds) && connectSeconds <= int.MaxValue / 1000))
        {
            throw new ArgumentException("--connect-timeout must be a number of seconds > 0");
        }

        // After the options' ranges, each refused on its own. --url and --silo are the admin API's HTTP addresses,
        // which status does not call: taken silently, the user thinks status read the silo they named while it looked
        // for a gateway on another port.
        if (parse.GetResult(urlOption) is { Implicit: false } || parse.GetResult(siloOption) is { Implicit: false })
        {
            throw new ArgumentException($"status does not use --url or --silo: it reads the job as an Orleans client, through the silo's gateway (--gateway-port, default {gatewayOption.GetDefaultValue()}, and --cluster-id) or Redis membership (--redis)");
        }

        await using var connection = await ClusterConnection.ConnectAsync(parse.GetValue(clusterIdOption)!, parse.GetValue(gatewayOption), parse.GetValue(redisOption), TimeSpan.FromSeconds(connectSeconds), ct);
        var report = await GrainStatus.RunAsync(connection.Client, ct);
        var via = parse.GetValue(redisOption) is { } redis ? new Uri($"redis://{redis}") : new Uri($"tcp://127.0.0.1:{parse.GetValue(gatewayOption)}");
        return await FinishAsync(parse, "status", report, new Target(via, null), null, ct);
    }
    catch (Exception e) when (e is ArgumentException or OrleansException or TimeoutException or InvalidOperationException)
    {
        await Console.Error.WriteLineAsync($"error: {e.Message}");
        return 2;
    }
});

var whatif = WhatIfCommand.Create(urlOption, keyOption, outputOption, reportOption);
var root = new RootCommand("orleanscluster: load tests and fault campaigns against a running OrleansCluster (loopback only).")
{
    urlOption, keyOption, outputOption, reportOption, siloOption, status, ramp, api, scrape, campaign, whatif,
    AlertsCommand.Create(urlOption, keyOption, (parse, command, report, target, ct) => FinishAsync(parse, command, report, target, null, ct)),
};
var parsed = root.Parse(args);
// status reads the job as an Orleans client: the admin API's address and key, recursive for every other command, are
// not its options, so its help leaves them out (it listed --url, --silo and --key, and refused --url). They still
// parse there, so that status --url is refused naming the gateway's options (hidden is for help alone).
if (parsed.CommandResult.Command == status)
{
    urlOption.Hidden = siloOption.Hidden = keyOption.Hidden = true;
}

var exit = await parsed.InvokeAsync();
// A command line that does not parse (an unknown option, "--step 0.001" for a whole number) is bad arguments: "could
// not run", 2, as the commands answer the values they refuse. System.CommandLine prints its error and the help and
// answers 1, which means "a check failed". Help asked for with an error in the line is help, 0.
return parsed.Action is ParseErrorAction ? 2 : exit;

// The admin API's address: --url where it is given; otherwise the first --silo where one is (`scrape --silo A --silo B`
// runs against A, not the default :8080 the user never named); otherwise the default.
string AdminUrl(ParseResult parse) =>
    parse.GetResult(urlOption) is not { Implicit: false } && parse.GetValue(siloOption) is [var first, ..]
        ? first
        : parse.GetValue(urlOption)!;

// Each command's options, checked before it calls anything (RunAsync's prepare): a run refused once it has begun
// would have changed the cluster for nothing (a campaign posted, a scenario loaded).
ApiLoad.Options ApiOptions(ParseResult parse)
{
    var options = new ApiLoad.Options(parse.GetValue(callersOption), parse.GetValue(roundsOption), parse.GetValue(rateOption), TimeSpan.FromSeconds(parse.GetValue(secondsOption)));
    options.ThrowIfOutOfRange();
    return options;
}

ScrapeLoad.Options ScrapeOptions(ParseResult parse)
{
    var seconds = parse.GetValue(durationOption);
    var options = new ScrapeLoad.Options(parse.GetValue(scrapersOption), TimeSpan.FromSeconds(seconds), TimeSpan.FromSeconds(Math.Min(5, seconds)));
    options.ThrowIfOutOfRange();
    return options;
}

(string Json, TimeSpan Limit) CampaignOptions(ParseResult parse)
{
    var limit = TimeSpan.FromSeconds(parse.GetValue(limitOption));
    RunLimits.ThrowIfOutOfRange("--seconds", limit);
    return (InputFile.ReadJson(parse.GetValue(fileArgument)!), limit);
}

Ramp.Options RampOptions(ParseResult parse)
{
    var options = new Ramp.Options(parse.GetValue(sizesOption)!, parse.GetValue(colossusOption), parse.GetValue(floorOption), TimeSpan.FromSeconds(parse.GetValue(windowOption)), TimeSpan.FromSeconds(parse.GetValue(warmupOption)));
    options.ThrowIfOutOfRange();
    return options;
}

TimeSpan ScrapeTimeout(ParseResult parse) => parse.GetValue(scrapeTimeoutOption) is var seconds && seconds > 0 && double.IsFinite(seconds) && seconds <= int.MaxValue / 1000
    ? TimeSpan.FromSeconds(seconds)
    : throw new ArgumentException("--timeout must be a number of seconds > 0");

bool Live(ParseResult parse) => LiveProgress.Available(parse.GetValue(outputOption)!);

HttpClient[] Silos(ParseResult parse, Target target) =>
    (parse.GetValue(siloOption) is { Length: > 0 } urls ? urls.Select(u => Target.Parse(u, null) with { Timeout = target.Timeout }) : [target])
        .Select(t => t.CreateClient())
        .ToArray();

static void Dispose(HttpClient[] clients)
{
    foreach (var client in clients)
    {
        client.Dispose();
    }
}

// Prints the report (table or JSON), writes its files when --report asks, and answers the exit code.
async Task<int> FinishAsync(ParseResult parse, string command, ICommandReport report, Target target, Func<string, IReadOnlyList<string>>? chart, CancellationToken ct)
{
    ReportWriter.Write(Console.Out, report, parse.GetValue(outputOption)!);
    if (parse.GetResult(reportOption) is { } asked)
    {
        var folder = asked.Tokens.Count > 0 ? asked.Tokens[0].Value : ReportWriter.DefaultPath(command, DateTimeOffset.UtcNow);
        var written = await ReportWriter.WriteFilesAsync(Path.GetFullPath(folder), command, report, target.BaseAddress, chart, ct);
        await Console.Error.WriteLineAsync($"report: {string.Join(", ", written)}");
    }

    return report.Held() ? 0 : 1;
}

// A key the silo refuses is "could not run" (exit 2), found before the command sends anything; so is a call that
// fails where the command does not count failures (a timeout among them), with one line rather than a stack trace.
// What the command reads from its arguments (its options, its file) comes from prepare, before the key's check: an
// argument it refuses is refused before anything is called.
async Task<int> RunAsync<T>(ParseResult parse, CancellationToken ct, Func<T> prepare, Func<Target, T, Task<int>> run)
{
    try
    {
        var prepared = prepare();
        var target = Target.Parse(AdminUrl(parse), parse.GetValue(keyOption));
        using (var check = target.CreateClient())
        {
            await SiloApi.CheckKeyAsync(check, ct);
        }

        return await run(target, prepared);
    }
    catch (KeyRefusedException e)
    {
        await Console.Error.WriteLineAsync($"error: {e.Message}");
        return 2;
    }
    catch (Exception e) when (CommandErrors.CouldNotRun(e, ct))
    {
        await Console.Error.WriteLineAsync($"error: {CommandErrors.Describe(e)}");
        return 2;
    }
}
