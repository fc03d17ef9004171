using System.Globalization;
using System.Text.Json;

namespace OrleansCluster.Model.Scenarios;

/// <summary>
/// What a <see cref="JsonException"/> from <see cref="JsonSerializer"/> says about the field at its path, in the words
/// scenario files and admin bodies answer with: JSON that does not parse, an unknown field, or valid JSON whose value
/// the field's type cannot hold (<c>"seed": -1</c> for an unsigned seed, <c>"count": 2147483648</c>, <c>"mfu": "NaN"</c>).
/// </summary>
public static class JsonReadErrors
{
    /// <summary>The message for <paramref name="e"/>, with its line and byte counted from 1 as editors do.</summary>
    public static string Describe(JsonException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var at = string.Create(CultureInfo.InvariantCulture, $"(line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})");

        // Text that is not JSON fails in the reader, whose own exception type derives from JsonException: thrown as it
        // is by JsonDocument, wrapped (with the path) by the serializer. A value that parsed but does not convert is a
        // plain JsonException with a FormatException, an InvalidOperationException or nothing inside.
        var malformed = e.GetType() != typeof(JsonException) || e.InnerException is JsonException;
        return malformed ? $"malformed JSON {at}"
            : e.Message.Contains("could not be mapped", StringComparison.Ordinal) ? "unknown field"
            : $"a value out of range or of the wrong type for this field {at}";
    }
}
