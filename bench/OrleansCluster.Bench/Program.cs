using System.CommandLine;
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

var root = new RootCommand("OrleansCluster benchmarks: figures that are printed, never asserted.") { figures };
return root.Parse(args).Invoke();
