using System.Globalization;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Silo.Api;

/// <summary>
/// Query parameters are bound as text and parsed here rather than by the framework, whose refusal of
/// <c>?count=abc</c> is a bare 400 that names nothing: a bad value is refused naming the parameter and what it
/// allows.
/// </summary>
internal static class Query
{
    /// <summary>
    /// A filter's value (a site's name, a generation's), or null when absent. An empty one (<c>?site=</c>, a script's
    /// unset variable) is an error naming it, as <c>campaign=</c> is on <c>/api/faults</c>: found by review, it was
    /// looked up as a name and answered 404 "unknown site ''".
    /// </summary>
    public static string? Filter(string? raw, string name, string what, List<FieldError> errors)
    {
        if (raw is { Length: 0 })
        {
            errors.Add(new FieldError(name, $"empty: {what}, or leave it out"));
            return null;
        }

        return raw;
    }

    /// <summary>An integer within [<paramref name="min"/>, <paramref name="max"/>], or <paramref name="fallback"/> when absent.</summary>
    public static int Int(string? raw, string name, int fallback, int min, int max, List<FieldError> errors)
    {
        if (raw is null)
        {
            return fallback;
        }

        if (!int.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            errors.Add(new FieldError(name, $"'{raw}' must be an integer within [{min}, {max}]"));
            return fallback;
        }

        return value;
    }

    /// <summary><c>true</c> or <c>false</c>, or <paramref name="fallback"/> when absent.</summary>
    public static bool Bool(string? raw, string name, bool fallback, List<FieldError> errors)
    {
        if (raw is null)
        {
            return fallback;
        }

        if (!bool.TryParse(raw, out var value))
        {
            errors.Add(new FieldError(name, $"'{raw}' must be true or false"));
            return fallback;
        }

        return value;
    }

    /// <summary>An ISO 8601 time with an offset (<c>2026-11-26T08:00:00Z</c>), or null when absent.</summary>
    public static DateTimeOffset? Time(string? raw, string name, List<FieldError> errors)
    {
        if (raw is null)
        {
            return null;
        }

        if (!DateTimeOffset.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
        {
            errors.Add(new FieldError(name, $"'{raw}' must be an ISO 8601 time, e.g. 2026-11-26T08:00:00Z"));
            return null;
        }

        return value;
    }
}
