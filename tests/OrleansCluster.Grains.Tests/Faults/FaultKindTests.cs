using System.Text.Json;
using OrleansCluster.Abstractions.Api;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Faults;
using OrleansCluster.Model.Faults;
using WireKind = OrleansCluster.Abstractions.Messages.FaultKind;

namespace OrleansCluster.Grains.Tests.Faults;

/// <summary>A fault's kind is a value past the API edge, written in JSON by its API name, the same kinds as the model's.</summary>
public sealed class FaultKindTests
{
    [Fact]
    public void EveryKindOfTheModelMapsToTheWireKindOfTheSameApiNameAndBack()
    {
        var model = Enum.GetValues<OrleansCluster.Model.Faults.FaultKind>();

        Assert.Equal(model.Length, Enum.GetValues<WireKind>().Length);
        Assert.All(model, kind =>
        {
            Assert.Equal(FaultKinds.Name(kind), FaultIntake.Kind(kind).ApiName);
            Assert.Equal(kind, FaultIntake.Kind(FaultIntake.Kind(kind)));
        });
        Assert.Equal(FaultKinds.Names, Enum.GetValues<WireKind>().Select(k => k.ApiName));
    }

    [Fact]
    public void AFaultsKindIsWrittenAndReadAsItsApiNameWithTheApisOptionsOrWithout()
    {
        var now = new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);
        var fault = new Fault("f-000001", WireKind.NodeThermalThrottle, new FaultTargetRequest(Node: "a-00001"), new Dictionary<string, double> { ["clockRatio"] = 0.5 },
            null, null, FaultState.Active, now, now, null, new FaultTargets(["a-00001"], [], []), null);

        foreach (var options in new[] { ApiJson.Create(), new JsonSerializerOptions(JsonSerializerDefaults.Web) })
        {
            var json = JsonSerializer.Serialize(fault, options);
            Assert.Contains("\"kind\":\"node.thermal-throttle\"", json, StringComparison.Ordinal);
            Assert.Equal(WireKind.NodeThermalThrottle, JsonSerializer.Deserialize<Fault>(json, options)!.Kind);
        }
    }
}
