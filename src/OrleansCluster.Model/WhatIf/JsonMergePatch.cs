using System.Text.Json.Nodes;

namespace OrleansCluster.Model.WhatIf;

/// <summary>JSON merge patch (RFC 7396): objects merge member by member, <c>null</c> removes, anything else replaces.</summary>
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
                result.Remove(name);
            }
            else
            {
                var merged = Apply(result[name], value);
                result.Remove(name);
                result[name] = merged;
            }
        }

        return result;
    }
}
