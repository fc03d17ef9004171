using System.Text.Json;

namespace OrleansCluster.Silo.Tests.Telemetry;

/// <summary>
/// What an SRE expects of a dashboard kept in production, checked on every shipped one: the data source chosen
/// by a variable, units, thresholds and descriptions on the panels, table legends with last/mean/max, rows, links
/// to the others, every offered variable used, and the fault injections marked on the step-time panels.
/// (Their queries run against a real Prometheus in <see cref="PrometheusDashboardTests"/> and <see cref="DcgmPrometheusTests"/>.)
/// </summary>
public sealed class DashboardPropertiesTests
{
    public static TheoryData<string> Dashboards() => [.. DashboardFiles.All().Select(d => d.Name)];

    [Fact]
    public void TheDcgmDashboardShips() => Assert.Contains(DashboardFiles.Dcgm, DashboardFiles.All().Select(d => d.Name));

    [Theory]
    [MemberData(nameof(Dashboards))]
    public void EveryDataSourceIsTheVariable(string name)
    {
        var root = Dashboard(name);
        var variable = Assert.Single(Variables(root), v => v.GetProperty("name").GetString() == "datasource");
        Assert.Equal("datasource", variable.GetProperty("type").GetString());
        Assert.Equal("prometheus", variable.GetProperty("query").GetString());

        // Every datasource reference anywhere (panels, targets, variables, annotations) is the variable or Grafana's own.
        var uids = new List<string>();
        Collect(root, uids);
        Assert.NotEmpty(uids);
        Assert.All(uids, uid => Assert.True(uid is "${datasource}" or "-- Grafana --", $"{name}: hard-coded data source uid {uid}"));
    }

    [Theory]
    [MemberData(nameof(Dashboards))]
    public void EveryPanelHasADescriptionAndEveryStatAndTimeSeriesAUnitAndThresholds(string name)
    {
        foreach (var panel in DashboardFiles.Panels(Dashboard(name)))
        {
            var title = panel.GetProperty("title").GetString();
            Assert.False(string.IsNullOrWhiteSpace(panel.TryGetProperty("description", out var d) ? d.GetString() : null), $"{name} / {title}: no description");
            if (panel.GetProperty("type").GetString() is "stat" or "timeseries")
            {
                var defaults = panel.GetProperty("fieldConfig").GetProperty("defaults");
                Assert.True(defaults.TryGetProperty("unit", out var unit) && unit.GetString() is { Length: > 0 }, $"{name} / {title}: no unit");
                Assert.True(defaults.TryGetProperty("thresholds", out var thresholds) && thresholds.GetProperty("steps").GetArrayLength() > 0, $"{name} / {title}: no thresholds");
            }

            if (panel.GetProperty("type").GetString() == "timeseries")
            {
                var legend = panel.GetProperty("options").GetProperty("legend");
                Assert.Equal("table", legend.GetProperty("displayMode").GetString());
                var calcs = legend.GetProperty("calcs").EnumerateArray().Select(c => c.GetString()).ToArray();
                Assert.Equal(["lastNotNull", "mean", "max"], calcs);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Dashboards))]
    public void PanelsAreGroupedInRowsAndTheDashboardLinksToTheOthers(string name)
    {
        var root = Dashboard(name);
        var panels = root.GetProperty("panels").EnumerateArray().ToArray();
        Assert.Equal("row", panels[0].GetProperty("type").GetString());
        Assert.True(panels.Count(p => p.GetProperty("type").GetString() == "row") >= 2 || panels.Length <= 4, $"{name}: one row only");
        Assert.Contains("orleanscluster", root.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Contains(root.GetProperty("links").EnumerateArray(), link =>
            link.GetProperty("type").GetString() == "dashboards" && link.GetProperty("tags").EnumerateArray().Any(t => t.GetString() == "orleanscluster"));
    }

    [Theory]
    [MemberData(nameof(Dashboards))]
    public void EveryOfferedVariableIsUsedAndStepTimeShowsTheFaults(string name)
    {
        var root = Dashboard(name);
        var text = root.GetRawText();
        foreach (var variable in Variables(root).Select(v => v.GetProperty("name").GetString()!))
        {
            // Used by a panel's query, or by a later variable's query that panels use.
            var panelQueries = string.Join('\n', DashboardFiles.Panels(root).SelectMany(p => p.GetProperty("targets").EnumerateArray()).Select(t => t.GetProperty("expr").GetString()));
            Assert.True(variable == "datasource" ? text.Contains("${datasource}", StringComparison.Ordinal) : panelQueries.Contains("$" + variable, StringComparison.Ordinal), $"{name}: ${variable} is offered and not used");
        }

        var faults = Assert.Single(root.GetProperty("annotations").GetProperty("list").EnumerateArray(), a => a.GetProperty("name").GetString() == "Fault injected");
        Assert.Contains("gpusim_faults_injected_total", faults.GetProperty("expr").GetString(), StringComparison.Ordinal);
        Assert.True(faults.GetProperty("enable").GetBoolean());
        Assert.Contains(DashboardFiles.Panels(root), p => p.GetProperty("targets").EnumerateArray().Any(t => t.GetProperty("expr").GetString()!.Contains("gpusim_step_duration_seconds_bucket", StringComparison.Ordinal)));
    }

    private static JsonElement Dashboard(string name) => DashboardFiles.All().Single(d => d.Name == name).Root;

    private static JsonElement.ArrayEnumerator Variables(JsonElement root) => root.GetProperty("templating").GetProperty("list").EnumerateArray();

    private static void Collect(JsonElement element, List<string> uids)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name == "datasource" && property.Value.ValueKind == JsonValueKind.Object && property.Value.TryGetProperty("uid", out var uid))
                    {
                        uids.Add(uid.GetString()!);
                    }

                    Collect(property.Value, uids);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Collect(item, uids);
                }

                break;
        }
    }
}
