using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Model.Faults;

/// <summary>
/// Checks a fault request against a laid-out cluster: the kind, every parameter's range, the timing, and the
/// target, which it resolves to node, link or site ids. Node selectors pick reproducibly with the scenario's
/// seed: the same request on the same scenario picks the same nodes.
/// </summary>
public static class FaultValidator
{
    /// <summary>Longest delay or duration accepted, in seconds (about four months).</summary>
    public const double MaxSeconds = 1e7;

    /// <summary>The checked fault, or every error found (none of them partial: nothing is applied on error).</summary>
    public static (CheckedFault? Fault, IReadOnlyList<FaultError> Errors) Check(FaultSpec spec, ClusterLayout layout)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(layout);
        var errors = new List<FaultError>();
        if (spec.StartInSeconds is { } start && !(start >= 0 && start <= MaxSeconds))
        {
            errors.Add(new("startInSeconds", $"{start} must be within [0, {MaxSeconds}]"));
        }

        if (spec.DurationSeconds is { } duration && !(duration > 0 && duration <= MaxSeconds))
        {
            errors.Add(new("durationSeconds", $"{duration} must be within (0, {MaxSeconds}]"));
        }

        if (string.IsNullOrWhiteSpace(spec.Kind))
        {
            errors.Add(new("kind", $"required: one of {string.Join(", ", FaultKinds.Names)}"));
            return (null, errors);
        }

        if (!FaultKinds.TryParse(spec.Kind, out var kind))
        {
            errors.Add(new("kind", $"unknown fault kind '{spec.Kind}' (known: {string.Join(", ", FaultKinds.Names)})"));
            return (null, errors);
        }

        var parameters = CheckParameters(kind, spec.Params, errors);
        var targets = spec.Target is null
            ? Fail(errors, new FaultError("target", "required"))
            : Resolve(kind, spec.Target, layout, errors);

        return errors.Count > 0 ? (null, errors) : (new CheckedFault(kind, parameters, targets), errors);
    }

    private static Dictionary<string, double> CheckParameters(FaultKind kind, IReadOnlyDictionary<string, double>? given, List<FaultError> errors)
    {
        var known = FaultKinds.Parameters(kind);
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var name in (given?.Keys ?? []).Where(k => known.All(p => p.Name != k)))
        {
            errors.Add(new($"params.{name}", $"unknown parameter for {FaultKinds.Name(kind)}" + (known.Count == 0 ? " (it takes none)" : $" (it takes {string.Join(", ", known.Select(p => p.Name))})")));
        }

        foreach (var parameter in known)
        {
            if (given is null || !given.TryGetValue(parameter.Name, out var value))
            {
                if (parameter.Required)
                {
                    errors.Add(new($"params.{parameter.Name}", "required"));
                }

                values[parameter.Name] = parameter.Default;
                continue;
            }

            if (!parameter.Allows(value))
            {
                errors.Add(new($"params.{parameter.Name}", $"{value} must be within {parameter.Range}"));
            }

            values[parameter.Name] = value;
        }

        return values;
    }

    private static ResolvedTargets Resolve(FaultKind kind, FaultTarget target, ClusterLayout layout, List<FaultError> errors)
    {
        var scenario = layout.Scenario;
        var selector = target.Generation is not null || target.Count is not null || target.Fraction is not null;
        switch (FaultKinds.Scope(kind))
        {
            case FaultScope.Link:
                if (target.Link is null || target.Node is not null || target.Site is not null || selector)
                {
                    return Fail(errors, new FaultError("target", $"{FaultKinds.Name(kind)} targets one link: {{\"link\": ID}}"));
                }

                return scenario.Links.Any(l => l.Id == target.Link)
                    ? new ResolvedTargets([], [target.Link], [])
                    : Fail(errors, new FaultError("target.link", $"unknown link '{target.Link}' (known: {string.Join(", ", scenario.Links.Select(l => l.Id))})", NotFound: true));

            case FaultScope.Site:
                if (target.Site is null || target.Node is not null || target.Link is not null || selector)
                {
                    return Fail(errors, new FaultError("target", $"{FaultKinds.Name(kind)} targets one site: {{\"site\": NAME}}"));
                }

                return scenario.SiteIndex(target.Site) < 0
                    ? Fail(errors, new FaultError("target.site", $"unknown site '{target.Site}'", NotFound: true))
                    : new ResolvedTargets(layout.Nodes.Where(n => scenario.Sites[n.SiteIndex].Name == target.Site).Select(n => n.Id).ToArray(), [], [target.Site]);

            default:
                return ResolveNodes(target, layout, errors, selector);
        }
    }

    private static ResolvedTargets ResolveNodes(FaultTarget target, ClusterLayout layout, List<FaultError> errors, bool selector)
    {
        var scenario = layout.Scenario;
        if (target.Link is not null)
        {
            return Fail(errors, new FaultError("target.link", "a node fault targets a node, a site or a selector (site and/or generation, with count or fraction)"));
        }

        if (target.Node is not null)
        {
            if (target.Site is not null || selector)
            {
                return Fail(errors, new FaultError("target", "a node target stands alone"));
            }

            return layout.OrdinalOf(target.Node) < 0
                ? Fail(errors, new FaultError("target.node", layout.UnknownNode(target.Node), NotFound: true))
                : new ResolvedTargets([target.Node], [], []);
        }

        if (target.Site is null && target.Generation is null)
        {
            return Fail(errors, new FaultError("target", "name a node, a link or a site, or select nodes by site and/or generation"));
        }

        if (target.Count is not null && target.Fraction is not null)
        {
            return Fail(errors, new FaultError("target", "narrow a selector by count or by fraction, not both"));
        }

        if (target.Count is < 1)
        {
            return Fail(errors, new FaultError("target.count", $"{target.Count} must be >= 1"));
        }

        if (target.Fraction is { } f && !(f > 0 && f <= 1))
        {
            return Fail(errors, new FaultError("target.fraction", $"{f} must be within (0, 1]"));
        }

        var siteIndex = -1;
        if (target.Site is not null && (siteIndex = scenario.SiteIndex(target.Site)) < 0)
        {
            return Fail(errors, new FaultError("target.site", $"unknown site '{target.Site}'", NotFound: true));
        }

        var matched = layout.Nodes
            .Where(n => (siteIndex < 0 || n.SiteIndex == siteIndex) && (target.Generation is null || n.Generation.Name == target.Generation))
            .ToArray();
        if (matched.Length == 0)
        {
            var field = target.Generation is not null ? "target.generation" : "target";
            return Fail(errors, new FaultError(field, $"no node matches generation '{target.Generation}'" + (target.Site is null ? string.Empty : $" at site '{target.Site}'"), NotFound: true));
        }

        var take = target.Count ?? (target.Fraction is { } fraction ? (int)Math.Ceiling(fraction * matched.Length) : matched.Length);
        if (take > matched.Length)
        {
            return Fail(errors, new FaultError("target.count", $"{take} exceeds the {matched.Length} nodes the selector matches"));
        }

        // Reproducible picks: order the matched nodes by a seeded hash of their id and take the first ones.
        var seed = scenario.Seed;
        var picked = take == matched.Length
            ? matched
            : matched.OrderBy(n => SeededNoise.StandardNormal(seed, n.Stream, 0)).ThenBy(n => n.Id, StringComparer.Ordinal).Take(take);
        return new ResolvedTargets(picked.Select(n => n.Id).Order(StringComparer.Ordinal).ToArray(), [], []);
    }

    private static ResolvedTargets Fail(List<FaultError> errors, FaultError error)
    {
        errors.Add(error);
        return ResolvedTargets.None;
    }
}
