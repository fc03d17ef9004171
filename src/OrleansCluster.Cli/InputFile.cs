using System.Text.Json;

namespace OrleansCluster.Cli;

/// <summary>
/// A JSON file named on the command line (a campaign, what-if variants), read and parsed before anything is sent, so
/// that a file that is not one, or not JSON, is bad arguments (exit 2) on one line naming it: otherwise a directory
/// read on Linux is "access denied", and a <see cref="JsonException"/> reads as an answer of the admin API.
/// </summary>
public static class InputFile
{
    /// <summary>What the admin API accepts in a body: comments and trailing commas.</summary>
    public static JsonDocumentOptions JsonOptions { get; } = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>
    /// The text of <paramref name="path"/> once it has parsed as JSON; an <see cref="ArgumentException"/> naming the
    /// path for a directory or malformed JSON (with its line and byte, counted from 1 as editors do). A file that is
    /// missing or cannot be read throws what reading it throws, whose message names the path.
    /// </summary>
    public static string ReadJson(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            throw new ArgumentException($"{path} is a directory, not a JSON file");
        }

        var text = File.ReadAllText(path);
        try
        {
            using var document = JsonDocument.Parse(text, JsonOptions);
        }
        catch (JsonException e)
        {
            // The reader's message ends with its own position, counted from 0: the one in front replaces it.
            var reason = e.Message.Split(" LineNumber:", 2)[0];
            throw new ArgumentException($"{path} is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {reason}", e);
        }

        return text;
    }
}
