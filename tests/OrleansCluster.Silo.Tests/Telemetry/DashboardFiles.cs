using System.Text.Json;

namespace OrleansCluster.Silo.Tests.Telemetry;

/// <summary>The shipped Grafana dashboards (grafana/dashboards/*.json) and their queries as Grafana would run them.</summary>
internal static class DashboardFiles
{
    /// <summary>The DCGM dashboard: its series exist only on a silo in dcgm mode.</summary>
    public const string Dcgm = "dcgm";

    public static IEnumerable<(string Name, JsonElement Root)> All()
    {
        var directory = Path.Combine(ManagedProcess.RepositoryRoot(), "grafana", "dashboards");
        foreach (var file in Directory.GetFiles(directory, "*.json").Order(StringComparer.Ordinal))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            yield return (Path.GetFileNameWithoutExtension(file), document.RootElement.Clone());
        }
    }

    /// <summary>The panels that show data (rows left out).</summary>
    public static IEnumerable<JsonElement> Panels(JsonElement root) =>
        root.GetProperty("panels").EnumerateArray().Where(p => p.GetProperty("type").GetString() != "row");

    /// <summary>
    /// Every target of every panel, every annotation query and every template variable's metric, with Grafana's
    /// variables replaced as Grafana would (All = .*).
    /// </summary>
    public static IEnumerable<(string Dashboard, string Title, string Expr)> Queries(Func<string, bool> which)
    {
        foreach (var (name, root) in All().Where(d => which(d.Name)))
        {
            foreach (var panel in Panels(root))
            {
                foreach (var target in panel.GetProperty("targets").EnumerateArray())
                {
                    yield return (name, panel.GetProperty("title").GetString()!, Substitute(target.GetProperty("expr").GetString()!));
                }
            }

            foreach (var annotation in root.GetProperty("annotations").GetProperty("list").EnumerateArray())
            {
                if (annotation.TryGetProperty("expr", out var expr))
                {
                    yield return (name, "annotation " + annotation.GetProperty("name").GetString(), Substitute(expr.GetString()!));
                }
            }

            foreach (var variable in root.GetProperty("templating").GetProperty("list").EnumerateArray().Where(v => v.GetProperty("type").GetString() == "query"))
            {
                var definition = variable.GetProperty("definition").GetString()!; // label_values(METRIC, LABEL)
                var inner = definition["label_values(".Length..definition.LastIndexOf(',')];
                yield return (name, "variable " + variable.GetProperty("name").GetString(), Substitute(inner));
            }
        }
    }

    private static string Substitute(string expr) => expr
        .Replace("$scenario", "small", StringComparison.Ordinal)
        .Replace("$site", ".*", StringComparison.Ordinal)
        .Replace("$generation", ".*", StringComparison.Ordinal)
        .Replace("$namespace", ".*", StringComparison.Ordinal)
        .Replace("$pod", ".*", StringComparison.Ordinal)
        .Replace("$host", ".*", StringComparison.Ordinal)
        .Replace("$__rate_interval", "15s", StringComparison.Ordinal)
        .Replace("$__interval", "15s", StringComparison.Ordinal)
        .Replace("$__range", "5m", StringComparison.Ordinal);
}
