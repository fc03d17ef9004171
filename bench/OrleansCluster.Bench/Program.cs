using System.CommandLine;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Bench;
using OrleansCluster.Model.Scenarios;

var presetsArgument = new Argument<string[]>("presets")
{
    Description = "Presets to describe (default: all).",
    Arity = ArgumentArity.ZeroOrMore,
};
var stepsOption = new Option<int>("--steps") { Description = "Seeded steps averaged for the expected figures.", DefaultValueFactory = _ => 20 };
var figures = new Command("figures", "Print each preset's shape and the model's ideal and expected figures.") { presetsArgument, stepsOption };
figures.SetAction(parse =>
{
    var names = parse.GetValue(presetsArgument) is { Length: > 0 } chosen ? chosen : ScenarioPresets.Names.ToArray();
    ModelFigures.Print(Console.Out, names, parse.GetValue(stepsOption));
});

var presetOption = new Option<string>("--scenario") { Description = "Preset to run.", DefaultValueFactory = _ => "small" };
var secondsOption = new Option<int>("--seconds") { Description = "Measurement window.", DefaultValueFactory = _ => 20 };
var blockOption = new Option<int>("--block-size") { Description = "Nodes per block grain.", DefaultValueFactory = _ => 512 };
var batchOption = new Option<int>("--batch-steps") { Description = "Steps a node grain computes per call.", DefaultValueFactory = _ => 64 };
var noPlainOption = new Option<bool>("--no-plain") { Description = "Skip the plain-loop reference." };
var nodesOption = new Option<int?>("--nodes") { Description = "Run the load tests' ramp-N scenario of N H100 nodes instead of a preset." };
var live = new Command("live", "Run a preset at max pace on an in-process silo and print steps/s, grain calls/s, step wall times and memory, beside the plain loop.")
{
    presetOption, secondsOption, blockOption, batchOption, noPlainOption, nodesOption,
};
live.SetAction((parse, _) => LiveBenchmark.RunAsync(
    Console.Out,
    parse.GetValue(nodesOption) is { } nodes ? ScenarioSource.FromJson(ScenarioPresets.UniformJson(nodes)) : ScenarioSource.FromPreset(parse.GetValue(presetOption)!),
    TimeSpan.FromSeconds(parse.GetValue(secondsOption)),
    parse.GetValue(blockOption),
    parse.GetValue(batchOption),
    !parse.GetValue(noPlainOption)));

var speedOption = new Option<double>("--speed") { Description = "Realtime speed-up.", DefaultValueFactory = _ => 1 };
var realtimeStepsOption = new Option<int>("--steps") { Description = "Steps to time.", DefaultValueFactory = _ => 10 };
var realtime = new Command("realtime", "Run a preset at realtime pace and print how closely the wall time between steps follows T_step / speed.")
{
    presetOption, speedOption, realtimeStepsOption, blockOption, batchOption,
};
realtime.SetAction((parse, _) => LiveBenchmark.RealtimeAsync(
    Console.Out,
    parse.GetValue(presetOption)!,
    parse.GetValue(speedOption),
    parse.GetValue(realtimeStepsOption),
    parse.GetValue(blockOption),
    parse.GetValue(batchOption)));

var tableOption = new Option<string>("--table") { Description = "Failure table (llama3, falcon).", DefaultValueFactory = _ => "llama3" };
var scaleOption = new Option<double>("--scale") { Description = "Multiplies every rate.", DefaultValueFactory = _ => 1 };
var checkpointOption = new Option<double>("--checkpoint-seconds") { Description = "Simulated seconds per checkpoint.", DefaultValueFactory = _ => 60 };
var restartOption = new Option<double>("--restart-seconds") { Description = "Simulated seconds per restart.", DefaultValueFactory = _ => 120 };
var daysOption = new Option<double>("--days") { Description = "Simulated days walked.", DefaultValueFactory = _ => 1 };
var failures = new Command("failures", "Print a preset's failures per simulated day, MTBF, Young-Daly and ETTR under a failure table.")
{
    presetOption, tableOption, scaleOption, checkpointOption, restartOption, daysOption, stepsOption,
};
failures.SetAction(parse => FailureFigures.Print(
    Console.Out,
    parse.GetValue(presetOption)!,
    parse.GetValue(tableOption)!,
    parse.GetValue(scaleOption),
    parse.GetValue(checkpointOption),
    parse.GetValue(restartOption),
    parse.GetValue(daysOption),
    parse.GetValue(stepsOption)));

var profileSteps = new Option<int>("--steps") { Description = "Steps timed for each part.", DefaultValueFactory = _ => 50 };
var plainProfile = new Command("plain", "Print what the plain loop's time per node per step is made of (noise, sketch, top-K).")
{
    presetOption, profileSteps,
};
plainProfile.SetAction(parse => PlainLoopProfile.Print(Console.Out, ScenarioPresets.Load(parse.GetValue(presetOption)!), parse.GetValue(profileSteps)));

var scenarioNodesArgument = new Argument<int>("nodes") { Description = "H100 nodes." };
var scenarioJson = new Command("scenario", "Print the load tests' ramp-N scenario (N H100 nodes in sites of at most 99,999) as JSON, for a silo's Simulation:Scenario.")
{
    scenarioNodesArgument,
};
scenarioJson.SetAction(parse => Console.Out.WriteLine(ScenarioPresets.UniformJson(parse.GetValue(scenarioNodesArgument))));

var restoreNodes = new Option<int[]>("--nodes") { Description = "Node counts to plan for.", DefaultValueFactory = _ => [11_000, 22_000, 44_000, 88_000], AllowMultipleArgumentsPerToken = true };
var restorePlan = new Command("registry-restore", "Print the time the fault registry's first pass plans its pushes in after a restore (every node told again).")
{
    restoreNodes,
};
restorePlan.SetAction(parse => RegistryRestorePlan.Print(Console.Out, parse.GetValue(restoreNodes)!));

var root = new RootCommand("OrleansCluster benchmarks: figures that are printed, never asserted.") { figures, live, realtime, failures, plainProfile, scenarioJson, restorePlan };
return await root.Parse(args).InvokeAsync();
