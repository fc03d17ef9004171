using System.CommandLine;
using OrleansCluster.Cli;
using OrleansCluster.Cli.Commands;
using OrleansCluster.Cli.Reports;
using Spectre.Console;

// Exit codes: 0 the run held (its checks passed), 1 it ran but a check failed, 2 it could not run.
var urlOption = new Option<string>("--url") { Description = "The silo's HTTP address (loopback only).", DefaultValueFactory = _ => "http://127.0.0.1:8080", Recursive = true };
var keyOption = new Option<string?>("--key") { Description = "The admin key (default: $ORLEANSCLUSTER_KEY).", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("ORLEANSCLUSTER_KEY"), Recursive = true };
var outputOption = new Option<string>("--output") { Description = "table or json.", DefaultValueFactory = _ => "table", Recursive = true };
outputOption.AcceptOnlyFromAmong("table", "json");

var callersOption = new Option<int>("--callers") { Description = "Concurrent callers.", DefaultValueFactory = _ => 8 };
var roundsOption = new Option<int>("--rounds") { Description = "Inject/read/clear rounds per caller.", DefaultValueFactory = _ => 50 };
var rateOption = new Option<double>("--rate") { Description = "Target calls per second over all callers (0: as fast as they answer).", DefaultValueFactory = _ => 0 };
var secondsOption = new Option<int>("--seconds") { Description = "Time limit.", DefaultValueFactory = _ => 60 };
var api = new Command("api", "Concurrent callers inject, read and clear faults; latency per call, errors by status, and whether the fault list ends consistent.")
{
    callersOption, roundsOption, rateOption, secondsOption,
};
api.SetAction(async (parse, ct) => await RunAsync(parse, async target =>
{
    using var client = target.CreateClient();
    var report = await ApiLoad.RunAsync(client, new ApiLoad.Options(parse.GetValue(callersOption), parse.GetValue(roundsOption), parse.GetValue(rateOption), TimeSpan.FromSeconds(parse.GetValue(secondsOption))), ct);
    ReportWriter.Write(Console.Out, report, parse.GetValue(outputOption)!, (console, r) =>
    {
        console.Write(ReportWriter.Latencies(r.Operations.Select(o => (o.Name, o.Latency, string.Join(", ", o.Errors.Select(e => $"{e.Key}: {e.Value}"))))));
        console.MarkupLineInterpolated($"{r.Callers} callers, {r.DurationSeconds:F1} s, {r.CallsPerSecond:F0} calls/s; injected {r.Injected}, cleared {r.Cleared}, left over {r.Leftover}: [{(r.Consistent ? "green" : "red")}]{(r.Consistent ? "consistent" : "INCONSISTENT")}[/]");
    });
    return report.Consistent ? 0 : 1;
}));

var scrapersOption = new Option<int>("--scrapers") { Description = "Concurrent scrapers per silo.", DefaultValueFactory = _ => 4 };
var siloOption = new Option<string[]>("--silo") { Description = "A silo to scrape (repeat; default: --url).", AllowMultipleArgumentsPerToken = true };
var durationOption = new Option<int>("--seconds") { Description = "How long to scrape.", DefaultValueFactory = _ => 20 };
var scrape = new Command("scrape", "Concurrent scrapers of /metrics on every silo; latency, bytes and samples per scrape, and steps/s before and during.")
{
    scrapersOption, siloOption, durationOption,
};
scrape.SetAction(async (parse, ct) => await RunAsync(parse, async target =>
{
    using var admin = target.CreateClient();
    var silos = (parse.GetValue(siloOption) is { Length: > 0 } urls ? urls : [target.BaseAddress.ToString()])
        .Select(u => Target.Parse(u, null).CreateClient()).ToArray();
    try
    {
        var seconds = Math.Max(2, parse.GetValue(durationOption));
        var report = await ScrapeLoad.RunAsync(admin, silos, new ScrapeLoad.Options(parse.GetValue(scrapersOption), TimeSpan.FromSeconds(seconds), TimeSpan.FromSeconds(Math.Min(5, seconds))), ct);
        ReportWriter.Write(Console.Out, report, parse.GetValue(outputOption)!, (console, r) =>
        {
            console.Write(ReportWriter.Latencies([("GET /metrics", r.Latency, r.Failures == 0 ? string.Empty : $"{r.Failures} failed")]));
            console.MarkupLineInterpolated($"{r.Scrapers} scrapers x {r.Targets} silo(s): {r.BytesPerScrape:N0} bytes and {r.SamplesPerScrape:N0} samples per scrape; steps/s {r.StepsPerSecondBefore:F1} before, {r.StepsPerSecondDuring:F1} during");
        });
        return report.Failures == 0 ? 0 : 1;
    }
    finally
    {
        foreach (var silo in silos)
        {
            silo.Dispose();
        }
    }
}));

var fileArgument = new Argument<FileInfo>("file") { Description = "A fault campaign: {name, description?, faults: [...]}." };
var limitOption = new Option<int>("--seconds") { Description = "How long to follow the campaign.", DefaultValueFactory = _ => 300 };
var campaign = new Command("campaign", "Replay a fault campaign against the cluster, printing each fault as it lands and the step time and top straggler that follow.")
{
    fileArgument, limitOption,
};
campaign.SetAction(async (parse, ct) => await RunAsync(parse, async target =>
{
    using var client = target.CreateClient();
    var json = await File.ReadAllTextAsync(parse.GetValue(fileArgument)!.FullName, ct);
    var table = parse.GetValue(outputOption) == "table";
    var report = await CampaignReplay.RunAsync(client, json, TimeSpan.FromSeconds(parse.GetValue(limitOption)), table ? l => Console.WriteLine(CampaignReplay.Describe(l)) : null, ct);
    ReportWriter.Write(Console.Out, report, parse.GetValue(outputOption)!, (console, r) =>
        console.MarkupLineInterpolated($"campaign {r.Campaign}: {r.Faults.Count} fault(s) landed{(r.Complete ? string.Empty : " (stopped before the last ones started)")}"));
    return report.Complete ? 0 : 1;
}));

var sizesOption = new Option<int[]>("--sizes") { Description = "Node counts to ramp through.", DefaultValueFactory = _ => [1_000, 5_000, 25_000], AllowMultipleArgumentsPerToken = true };
var colossusOption = new Option<bool>("--colossus") { Description = "Finish with the full colossus preset (88,000 nodes)." };
var floorOption = new Option<double>("--floor") { Description = "Steps/s a size must keep at max pace.", DefaultValueFactory = _ => 1 };
var windowOption = new Option<int>("--window") { Description = "Seconds measured per size.", DefaultValueFactory = _ => 15 };
var warmupOption = new Option<int>("--warmup") { Description = "Seconds before measuring each size.", DefaultValueFactory = _ => 5 };
var ramp = new Command("ramp", "Load scenarios of growing size at max pace and measure steps/s, grain calls/s, scrape time and size, and memory; stop at the first size under the floor.")
{
    sizesOption, colossusOption, floorOption, windowOption, warmupOption,
};
ramp.SetAction(async (parse, ct) => await RunAsync(parse, async target =>
{
    using var client = target.CreateClient();
    client.Timeout = TimeSpan.FromMinutes(5); // loading a large scenario takes a while
    var table = parse.GetValue(outputOption) == "table";
    var report = await Ramp.RunAsync(
        client,
        new Ramp.Options(parse.GetValue(sizesOption)!, parse.GetValue(colossusOption), parse.GetValue(floorOption), TimeSpan.FromSeconds(parse.GetValue(windowOption)), TimeSpan.FromSeconds(parse.GetValue(warmupOption))),
        table ? s => Console.WriteLine($"{s.Scenario}: {s.StepsPerSecond:F2} steps/s, {s.GrainCallsPerSecond:N0} grain calls/s, scrape {s.ScrapeMilliseconds:F0} ms / {s.ScrapeBytes:N0} bytes, working set {s.WorkingSetMiB:N0} MiB") : null,
        ct);
    ReportWriter.Write(Console.Out, report, parse.GetValue(outputOption)!, (console, r) =>
        console.MarkupLineInterpolated($"largest size at or above {r.FloorStepsPerSecond} steps/s: {r.LargestHeld ?? "none"}{(r.StoppedAt is null ? string.Empty : $"; stopped at {r.StoppedAt}")}"));
    return 0;
}));

var clusterIdOption = new Option<string>("--cluster-id") { Description = "The Orleans cluster id (Orleans:ClusterId).", DefaultValueFactory = _ => "orleanscluster" };
var gatewayOption = new Option<int>("--gateway-port") { Description = "The localhost gateway port (Orleans:GatewayPort).", DefaultValueFactory = _ => 30000 };
var redisOption = new Option<string?>("--redis") { Description = "Connect through Redis membership instead (Orleans:Redis, loopback)." };
var status = new Command("status", "Read the job straight from its grain as an Orleans client (localhost gateway or Redis).")
{
    clusterIdOption, gatewayOption, redisOption,
};
status.SetAction(async (parse, ct) =>
{
    try
    {
        await using var connection = await ClusterConnection.ConnectAsync(parse.GetValue(clusterIdOption)!, parse.GetValue(gatewayOption), parse.GetValue(redisOption), ct);
        var report = await GrainStatus.RunAsync(connection.Client, ct);
        ReportWriter.Write(Console.Out, report, parse.GetValue(outputOption)!, (console, r) =>
            console.MarkupLineInterpolated($"{r.Scenario}: {r.State}, step {r.Step} ({r.StepsOk} ok, {r.StepsFailed} failed, {r.LostSteps} lost), {r.GrainCalls:N0} grain calls, {r.Faults} fault(s) in force; job on {r.Host}"));
        return 0;
    }
    catch (Exception e) when (e is ArgumentException or OrleansException or TimeoutException or InvalidOperationException)
    {
        await Console.Error.WriteLineAsync($"error: {e.Message}");
        return 2;
    }
});

var root = new RootCommand("orleanscluster: load tests and fault campaigns against a running OrleansCluster (loopback only).")
{
    urlOption, keyOption, outputOption, status, ramp, api, scrape, campaign,
};
return await root.Parse(args).InvokeAsync();

async Task<int> RunAsync(ParseResult parse, Func<Target, Task<int>> run)
{
    try
    {
        return await run(Target.Parse(parse.GetValue(urlOption)!, parse.GetValue(keyOption)));
    }
    catch (Exception e) when (e is ArgumentException or HttpRequestException or InvalidOperationException or IOException)
    {
        await Console.Error.WriteLineAsync($"error: {e.Message}");
        return 2;
    }
}
