using System.Text;
using System.Text.Json;

namespace OrleansCluster.Silo.Api;

/// <summary>
/// Finds a property named twice in one JSON object, which a parser would otherwise settle silently (the last
/// wins): <c>{"factor":2,"factor":900}</c>. Field names are compared ignoring case, as the API binds them (the web
/// defaults, which scenario files follow too), so <c>kind</c> and <c>Kind</c> are the same field named twice; the
/// keys of a map (prices by generation, revenue by site, a fault's parameters) exactly, as they are read.
/// </summary>
internal static class JsonDuplicates
{
    // The objects whose keys are names given by the user (generations, sites, a fault's parameters), not fields.
    private static readonly HashSet<string> Maps = new(["gpuHourPrices", "leaseRevenuePerMonth", "params"], StringComparer.OrdinalIgnoreCase);

    /// <summary>The path of the first property named twice in its object (<c>params.factor</c>, <c>sites[0].name</c>), or null.</summary>
    public static string? Find(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json), new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var open = new List<Frame>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        var frame = open[^1];
                        frame.Name = reader.GetString();
                        if (!frame.Names!.Add(frame.Name!))
                        {
                            return Path(open);
                        }

                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        open.RemoveAt(open.Count - 1);
                        break;
                    default:
                        if (open.Count > 0 && open[^1].Names is null)
                        {
                            open[^1].Index++;
                        }

                        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                        {
                            // A map's keys are data compared exactly (H100 and h100 may both be priced); a record's
                            // names are bound ignoring case.
                            var map = open.Count > 0 && open[^1] is { Names: not null, Name: { } of } && Maps.Contains(of);
                            open.Add(new Frame(reader.TokenType == JsonTokenType.StartObject ? new HashSet<string>(map ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase) : null));
                        }

                        break;
                }
            }
        }
        catch (JsonException)
        {
            return null; // malformed: the parser that follows names the problem
        }

        return null;
    }

    private static string Path(List<Frame> open)
    {
        var path = new StringBuilder();
        foreach (var frame in open)
        {
            _ = frame.Names is null
                ? path.Append('[').Append(frame.Index).Append(']')
                : path.Append(path.Length == 0 ? string.Empty : ".").Append(frame.Name);
        }

        return path.ToString();
    }

    // An object open at the reader (the names it has had, the latest) or an array (the index of its latest item).
    private sealed class Frame(HashSet<string>? names)
    {
        public HashSet<string>? Names { get; } = names;

        public string? Name { get; set; }

        public int Index { get; set; } = -1;
    }
}
