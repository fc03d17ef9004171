using System.Text;
using System.Text.Json.Nodes;

namespace OrleansCluster.Model.WhatIf;

/// <summary>
/// JSON merge patch (RFC 7396): objects merge member by member, <c>null</c> removes, anything else replaces. One
/// departure, for scenario documents, whose fields are read ignoring case: an object merges into the target's member
/// of the same name in any case (<c>"Job": {...}</c> into <c>job</c>), and <c>null</c> removes a member holding an
/// object or an array in any case (<c>"Economics": null</c>).
/// </summary>
public static class JsonMergePatch
{
    /// <summary>The result of applying <paramref name="patch"/> to <paramref name="target"/>; neither is changed.</summary>
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target is JsonObject targetObject ? (JsonObject)targetObject.DeepClone() : [];
        foreach (var (name, value) in patchObject)
        {
            if (value is null)
            {
                // Found by review: "Economics": null left economics in place while "Economics": {...} merged into it.
                // A member holding an object or an array (a scenario's field) is removed in any case, as an object
                // merges; a scalar (a price or a lease of a map, keyed exactly) only in its own spelling.
                result.Remove(result.ContainsKey(name)
                    ? name
                    : result.FirstOrDefault(m => m.Value is JsonObject or JsonArray && string.Equals(m.Key, name, StringComparison.OrdinalIgnoreCase)).Key ?? name);
                continue;
            }

            // Found by probing: "Job" was added beside "job", and the reader, matching fields ignoring case, took the last
            // one whole: the patch of one field replaced the job, losing the rest of it. A scalar or an array replaces
            // whatever it is spelled as (the patch's member comes last, so it is the one read); the keys of a map, prices
            // by generation or leases by site, are never objects, so they still match exactly.
            var member = value is JsonObject && !result.ContainsKey(name)
                ? result.Select(m => m.Key).FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase)) ?? name
                : name;
            var merged = Apply(result[member], value);
            result.Remove(member);
            result[member] = merged;
        }

        return result;
    }

    /// <summary>
    /// Where in <paramref name="patch"/> the member at <paramref name="field"/> of the patched document comes from, in the
    /// patch's own spelling: the path to it when the patch sets it, removes it (<c>"name": null</c>) or replaces a value
    /// that holds it (<c>sites[1].nodes[0].count</c> in a patch that gives <c>sites</c>, an array, whole); null when the
    /// patch leaves it as the target has it, or for the document itself (an empty field).
    /// </summary>
    /// <param name="field">
    /// A path as scenario errors name fields: member names joined by dots, array indexes in brackets, a name holding
    /// other characters as <c>['a name']</c> (System.Text.Json's paths). A member name may itself hold dots (a site
    /// named <c>dc.west</c>): the longest member of the patch that the path continues from is taken.
    /// </param>
    public static string? Locate(JsonObject patch, string field)
    {
        ArgumentNullException.ThrowIfNull(patch);
        ArgumentNullException.ThrowIfNull(field);
        JsonNode? node = patch;
        var path = new StringBuilder();
        var i = 0;
        while (i < field.Length)
        {
            if (node is not JsonObject members)
            {
                // A value the patch gives whole (an array or a scalar) replaced the target's: the rest of the field lies
                // inside it, as it is in the patch.
                return path.Append(field[i] == '[' ? string.Empty : ".").Append(field, i, field.Length - i).ToString();
            }

            if (!TryMember(members, field, ref i, out var name, out var spelled))
            {
                return null;
            }

            path.Append(path.Length == 0 || spelled[0] == '[' ? string.Empty : ".").Append(spelled);
            node = members[name];
            if (node is null)
            {
                // The patch removes this member: what is missing below it is missing because of it.
                return path.ToString();
            }
        }

        return path.Length == 0 ? null : path.ToString();
    }

    // The member of members that the field continues with at i (advanced past it and its dot), and how to write it.
    private static bool TryMember(JsonObject members, string field, ref int i, out string name, out string spelled)
    {
        if (field.AsSpan(i).StartsWith("['", StringComparison.Ordinal))
        {
            var end = field.IndexOf("']", i + 2, StringComparison.Ordinal);
            var quoted = end < 0 ? null : field[(i + 2)..end];
            name = quoted is null ? string.Empty : Named(members, quoted, StringComparison.Ordinal) ?? Named(members, quoted, StringComparison.OrdinalIgnoreCase) ?? string.Empty;
            spelled = $"['{name}']";
            if (name.Length == 0)
            {
                return false;
            }

            i = Skip(field, end + 2);
            return true;
        }

        // Ordinal first; then as the scenario reader matches members (camelCase, case-insensitive).
        var start = i;
        name = Longest(members, field, start, StringComparison.Ordinal) ?? Longest(members, field, start, StringComparison.OrdinalIgnoreCase) ?? string.Empty;
        spelled = name;
        if (name.Length == 0)
        {
            return false;
        }

        i = Skip(field, start + name.Length);
        return true;
    }

    private static string? Longest(JsonObject members, string field, int start, StringComparison comparison) =>
        members.Select(m => m.Key)
            .Where(k => k.Length > 0 && string.Compare(field, start, k, 0, k.Length, comparison) == 0 && (start + k.Length == field.Length || field[start + k.Length] is '.' or '['))
            .OrderByDescending(k => k.Length)
            .FirstOrDefault();

    private static string? Named(JsonObject members, string name, StringComparison comparison) =>
        members.Select(m => m.Key).FirstOrDefault(k => string.Equals(k, name, comparison));

    private static int Skip(string field, int i) => i < field.Length && field[i] == '.' ? i + 1 : i;
}
