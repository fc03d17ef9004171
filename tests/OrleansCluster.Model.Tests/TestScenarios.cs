using System.Text.Json.Nodes;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Model.WhatIf;

namespace OrleansCluster.Model.Tests;

/// <summary>Small scenarios written in the file format, so tests read like the files users write.</summary>
internal static class TestScenarios
{
    /// <summary>One site of <paramref name="nodes"/> H100 nodes, no links.</summary>
    public static Scenario Uniform(int nodes, double computeCv = 0, double gradientBytes = 0, ulong seed = 1, string extraGroups = "", string generations = "") =>
        ScenarioLoader.Parse($$"""
        {
          "name": "test", "seed": {{seed}},
          "job": { "flopsPerGpuPerStep": 4e14, "gradientBytes": {{gradientBytes}}, "mfu": 0.4 },
          "sites": [ { "name": "dc", "fabric": { "bandwidthGbps": 400, "hopLatencyMicroseconds": 2 },
                       "nodes": [ { "generation": "H100", "count": {{nodes}} } {{extraGroups}} ] } ],
          "noise": { "computeCv": {{computeCv}} }
          {{generations}}
        }
        """);

    /// <summary>The JSON of preset <paramref name="name"/> with <paramref name="change"/> applied, as a user would edit the file.</summary>
    public static string PresetJson(string name, Action<JsonObject> change)
    {
        Assert.True(ScenarioPresets.TryGetJson(name, out var json));
        var document = JsonNode.Parse(json, documentOptions: WhatIfEvaluator.DocumentOptions)!.AsObject();
        change(document);
        return document.ToJsonString();
    }

    /// <summary>Preset <paramref name="name"/> with <paramref name="change"/> applied, loaded.</summary>
    public static Scenario Preset(string name, Action<JsonObject> change) => ScenarioLoader.Parse(PresetJson(name, change));
}
