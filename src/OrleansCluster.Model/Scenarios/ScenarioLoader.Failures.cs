using OrleansCluster.Model.Failures;
using OrleansCluster.Model.Faults;

namespace OrleansCluster.Model.Scenarios;

// failures (DESIGN.md section 7.6): a preset by name, a scale, and causes that replace (same name) or extend it.
public static partial class ScenarioLoader
{
    private static FailureSpec? ReadFailures(FailuresDocument? document, Action<string, string> fail)
    {
        if (document is null)
        {
            return null;
        }

        var causes = new List<FailureCause>();
        if (document.Preset is not null)
        {
            if (FailurePresets.TryGet(document.Preset, out var preset))
            {
                causes.AddRange(preset);
            }
            else
            {
                fail("failures.preset", $"unknown preset '{document.Preset}' (known: {string.Join(", ", FailurePresets.Names)})");
            }
        }
        else if (document.Causes is null or { Count: 0 })
        {
            fail("failures", "give a preset, causes, or both");
        }

        var scale = document.Scale ?? 1;
        Check(scale is >= 0 and <= 1e9, "failures.scale", $"{scale} must be within [0, 1e9]", fail);
        var own = document.Causes ?? [];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < own.Count; i++)
        {
            if (ReadCause(own[i], $"failures.causes[{i}]", seen, fail) is { } cause)
            {
                var replaced = causes.FindIndex(c => c.Name == cause.Name);
                if (replaced >= 0)
                {
                    causes[replaced] = cause;
                }
                else
                {
                    causes.Add(cause);
                }
            }
        }

        Check(causes.Count <= FailureSpec.MaxCauses, "failures.causes", $"{causes.Count} causes in all: at most {FailureSpec.MaxCauses} (each is a metric label)", fail);
        return new FailureSpec(document.Preset, scale, causes);
    }

    private static FailureCause? ReadCause(FailureCauseDocument? document, string path, HashSet<string> seen, Action<string, string> fail)
    {
        if (document is null)
        {
            fail(path, "required");
            return null;
        }

        var errors = 0;
        void Fail(string field, string message)
        {
            errors++;
            fail(field, message);
        }

        if (string.IsNullOrWhiteSpace(document.Name) || !NamePattern().IsMatch(document.Name))
        {
            Fail($"{path}.name", "required: 1-64 characters of a-z, A-Z, 0-9, '-', '_' or '.'");
        }
        else if (!seen.Add(document.Name))
        {
            Fail($"{path}.name", $"duplicate cause '{document.Name}'");
        }

        var unit = FailureUnit.GpuHour;
        double rate = 0;
        switch (document.RatePerGpuHour, document.RatePerLinkHour)
        {
            case ({ } perGpu, null):
                rate = perGpu;
                break;
            case (null, { } perLink):
                (rate, unit) = (perLink, FailureUnit.LinkHour);
                break;
            default:
                Fail($"{path}.ratePerGpuHour", "give exactly one of ratePerGpuHour and ratePerLinkHour");
                break;
        }

        Check(rate is >= 0 and <= 1e3, unit == FailureUnit.GpuHour ? $"{path}.ratePerGpuHour" : $"{path}.ratePerLinkHour", $"{rate} must be within [0, 1000]", Fail);

        var parameters = new Dictionary<string, double>(StringComparer.Ordinal);
        if (!FaultKinds.TryParse(document.Kind, out var kind))
        {
            Fail($"{path}.kind", $"'{document.Kind}' must be one of {string.Join(", ", FaultKinds.Names)}");
        }
        else
        {
            var scope = FaultKinds.Scope(kind);
            var wanted = unit == FailureUnit.GpuHour ? FaultScope.Node : FaultScope.Link;
            Check(scope == wanted, $"{path}.kind", $"'{document.Kind}' acts on a {scope.ToString().ToLowerInvariant()}: a rate per {(unit == FailureUnit.GpuHour ? "GPU-hour needs a node.* kind" : "link-hour needs a link.* kind")}", Fail);
            var given = document.Params ?? [];
            foreach (var name in given.Keys.Where(k => FaultKinds.Parameters(kind).All(p => p.Name != k)))
            {
                Fail($"{path}.params.{name}", $"'{document.Kind}' takes no parameter '{name}'");
            }

            foreach (var parameter in FaultKinds.Parameters(kind))
            {
                if (given.TryGetValue(parameter.Name, out var value))
                {
                    Check(parameter.Allows(value), $"{path}.params.{parameter.Name}", $"{value} must be within {parameter.Range}", Fail);
                    parameters[parameter.Name] = value;
                }
                else if (parameter.Required)
                {
                    Fail($"{path}.params.{parameter.Name}", "required");
                }
                else
                {
                    parameters[parameter.Name] = parameter.Default;
                }
            }
        }

        var median = document.Repair?.MedianSeconds;
        if (median is null)
        {
            Fail($"{path}.repair.medianSeconds", "required");
        }
        else
        {
            Check(median is > 0 and <= 1e7, $"{path}.repair.medianSeconds", $"{median} must be within (0, 1e7]", Fail);
        }

        var cv = document.Repair?.Cv ?? 0;
        Check(cv is >= 0 and <= 10, $"{path}.repair.cv", $"{cv} must be within [0, 10]", Fail);
        Check(document.Xid is null or (>= 1 and <= 999), $"{path}.xid", $"{document.Xid} must be within [1, 999]", Fail);
        return errors > 0 ? null : new FailureCause(document.Name!, rate, unit, kind, parameters, new RepairTime(median!.Value, cv), document.Xid);
    }
}
