using System.Globalization;
using System.Text;
using Microsoft.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using OrleansCluster.Model.Scenarios;
using OrleansCluster.Silo.Security;

namespace OrleansCluster.Silo.Api;

/// <summary>
/// Reads a request's JSON body within the size limit, refusing unknown fields, and turns what is wrong into
/// RFC 9457 problem details that name the field (413 for a body over the limit).
/// </summary>
public static class JsonBody
{
    /// <summary>
    /// The options admin bodies are read with: camelCase, unknown fields refused, a field named twice refused, and
    /// numbers only as JSON numbers (<c>"2"</c> is refused), the rule scenario files follow too.
    /// </summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowDuplicateProperties = false,
        NumberHandling = JsonNumberHandling.Strict,
        AllowTrailingCommas = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
    };

    /// <summary>
    /// The raw body as text (a leading UTF-8 byte order mark skipped), or a 415 problem when a body comes as anything but JSON (or with no
    /// <c>Content-Type</c>), a 413 problem when it is larger than <c>Admin:MaxBodyBytes</c>, the 400 of malformed JSON
    /// naming <c>body</c> when it is not UTF-8, or Kestrel's own status (408 for a body that stopped arriving) when it
    /// could not be read.
    /// </summary>
    public static async Task<(string? Text, ProblemHttpResult? Problem)> ReadTextAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (MediaTypeError(context.Request) is { } wrongType)
        {
            return (null, Problems.UnsupportedMediaType(wrongType));
        }

        var limit = context.RequestServices.GetRequiredService<IOptions<AdminOptions>>().Value.MaxBodyBytes;
        if (context.Request.ContentLength > limit)
        {
            return (null, TooLarge(limit));
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        try
        {
            while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    return (null, TooLarge(limit));
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // A body without Content-Length (chunked) meets Kestrel's own limit, set to the same size, first.
            return (null, TooLarge(limit));
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel gave up on the body (it stopped arriving, 408; or it was malformed, 400): the client's fault,
            // answered with Kestrel's own status rather than left to the exception handler as a 500.
            return (null, TypedResults.Problem(statusCode: e.StatusCode, title: "The request body could not be read", detail: $"body: {e.Message}"));
        }

        if (buffer.Length > 0 && string.IsNullOrWhiteSpace(context.Request.ContentType))
        {
            return (null, Problems.UnsupportedMediaType("required with a body: application/json"));
        }

        // A leading UTF-8 byte order mark (a file saved by a Windows editor, sent as `curl --data-binary @file`) is
        // no part of the JSON: skipped, as a file reader skips it, rather than refused as a malformed first byte.
        var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        if (bytes.StartsWith(Encoding.UTF8.Preamble))
        {
            bytes = bytes[Encoding.UTF8.Preamble.Length..];
        }

        // Bytes that are not UTF-8 are malformed JSON (RFC 8259 section 8.1), refused as other malformed JSON is,
        // rather than read with U+FFFD in their place (a name or an id the client never sent).
        if (NotUtf8(bytes) is { } at)
        {
            return (null, TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { ["body"] = [at] })
            {
                Status = StatusCodes.Status400BadRequest,
                Detail = $"body: {at}",
            }));
        }

        var text = Encoding.UTF8.GetString(bytes);
        context.Items[Audit.BodyKey] = text;
        return (text, null);
    }

    // "malformed JSON (line L, byte B): ..." for the first byte that is not part of a UTF-8 sequence, counted from 1
    // as JsonReadErrors counts, or null when every byte is.
    private static string? NotUtf8(ReadOnlySpan<byte> bytes)
    {
        if (System.Text.Unicode.Utf8.IsValid(bytes))
        {
            return null;
        }

        var chars = new char[bytes.Length];
        System.Text.Unicode.Utf8.ToUtf16(bytes, chars, out var valid, out _, replaceInvalidSequences: false);
        var before = bytes[..valid];
        var line = before.Count((byte)'\n') + 1;
        var column = valid - (before.LastIndexOf((byte)'\n') + 1) + 1;
        return string.Create(CultureInfo.InvariantCulture, $"malformed JSON (line {line}, byte {column}): not UTF-8 (byte 0x{bytes[valid]:X2}); send the body as UTF-8");
    }

    /// <summary>The body as <typeparamref name="T"/>, or the problem to answer with.</summary>
    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpContext context)
        where T : class
    {
        var (text, tooLarge) = await ReadTextAsync(context);
        if (tooLarge is not null)
        {
            return (null, tooLarge);
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            return (null, Problems.Validation("body", "a JSON body is required"));
        }

        // Found before the serializer reads it: its own check names no path inside a JsonObject (a what-if patch).
        if (JsonDuplicates.Find(text) is { } duplicate)
        {
            return (null, Duplicate(duplicate));
        }

        try
        {
            return JsonSerializer.Deserialize<T>(text, Options) is { } value
                ? (value, null)
                : (null, Problems.Validation("body", "a JSON object is required"));
        }
        catch (JsonException e)
        {
            var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "body" : e.Path.TrimStart('$', '.');
            var message = e.Message.Contains("Duplicate propert", StringComparison.Ordinal) ? DuplicateMessage : Describe(e, text);
            return (null, Problems.Validation(field, message));
        }
    }

    /// <summary>Most levels of arrays and objects a body may nest, as the serializer and the scenario's parser read it.</summary>
    public static int MaxDepth => Options.MaxDepth is 0 ? 64 : Options.MaxDepth;

    /// <summary>
    /// What <paramref name="e"/>, thrown reading <paramref name="text"/> (comments skipped, trailing commas allowed,
    /// at most <see cref="MaxDepth"/> levels), says of it: <see cref="JsonReadErrors"/>' words, or where the reader
    /// stopped at the depth limit, that the JSON nests deeper than it. Found by probing: a what-if patch 1,000 levels
    /// deep, well-formed, was answered "malformed JSON (line 1, byte 339)".
    /// </summary>
    public static string Describe(JsonException e, string text)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(text);
        var general = JsonReadErrors.Describe(e);
        if (!general.StartsWith("malformed JSON", StringComparison.Ordinal) || TooDeepAt(text) is not { } deep)
        {
            return general;
        }

        // The reader stops at the first of its errors; the same text read without the limit met no syntax error before
        // the level past it, so that level is where the reader stopped (checked: it did not stop before it).
        var stopped = (e.LineNumber ?? 0, e.BytePositionInLine ?? 0);
        return stopped.CompareTo(deep) < 0
            ? general
            : string.Create(CultureInfo.InvariantCulture, $"nested deeper than the limit of {MaxDepth} levels of arrays and objects (line {deep.Line + 1}, byte {deep.Byte + 1})");
    }

    // Where the first array or object past MaxDepth levels starts (line and byte in it, from 0, as JsonException counts),
    // or null when the text meets a syntax error first, or never nests that deep.
    private static (long Line, long Byte)? TooDeepAt(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, MaxDepth = MaxDepth * 2 });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject && reader.CurrentDepth >= MaxDepth)
                {
                    var before = bytes.AsSpan(0, (int)reader.TokenStartIndex);
                    return (before.Count((byte)'\n'), before.Length - (before.LastIndexOf((byte)'\n') + 1));
                }
            }
        }
        catch (JsonException)
        {
            // a syntax error before any level past the limit: malformed, as said
        }

        return null;
    }

    /// <summary>The 400 for a field named twice in one object, at <paramref name="path"/>.</summary>
    public static ValidationProblem Duplicate(string path) => Problems.Validation(path, DuplicateMessage);

    private const string DuplicateMessage = "named more than once in its object (names are compared ignoring case): give each field once";

    // Why the request's body is not JSON by its Content-Type, or null when it is (or there is no body to judge): a
    // form or plain text read as JSON would fail with a parse error that names the body, not the header at fault.
    private static string? MediaTypeError(HttpRequest request)
    {
        var type = request.ContentType;
        if (string.IsNullOrWhiteSpace(type))
        {
            return null; // judged once the body is read: none is needed without a body
        }

        return MediaTypeHeaderValue.TryParse(type, out var parsed)
               && (parsed.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || parsed.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase))
            ? null
            : $"'{type}' is not JSON: send application/json";
    }

    private static ProblemHttpResult TooLarge(int limit) =>
        TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Payload too large", detail: $"the body exceeds the {limit} bytes allowed (Admin:MaxBodyBytes)");
}
