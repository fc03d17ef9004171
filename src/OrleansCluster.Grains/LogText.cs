using System.Globalization;
using System.Text;

namespace OrleansCluster.Grains;

/// <summary>
/// Caller-supplied text made safe for one log line: control characters (a line break that would forge a second
/// entry, an escape sequence that would repaint a terminal) and Unicode line separators are written as
/// <c>\n</c>, <c>\r</c>, <c>\t</c> or <c>\uXXXX</c>, and a backslash as <c>\\</c> so that the escapes stay unambiguous.
/// Used by the API's audit lines and the registry's (campaign names).
/// </summary>
public static class LogText
{
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.AsSpan().ContainsAny(Unsafe))
        {
            return text;
        }

        var escaped = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            _ = c switch
            {
                '\\' => escaped.Append(@"\\"),
                '\n' => escaped.Append(@"\n"),
                '\r' => escaped.Append(@"\r"),
                '\t' => escaped.Append(@"\t"),
                _ when char.IsControl(c) || c is '\u2028' or '\u2029' => escaped.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
                _ => escaped.Append(c),
            };
        }

        return escaped.ToString();
    }

    private static readonly System.Buffers.SearchValues<char> Unsafe = System.Buffers.SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(i => (char)i), '\\', '\u007f', .. Enumerable.Range(0x80, 0x20).Select(i => (char)i), '\u2028', '\u2029']);
}
