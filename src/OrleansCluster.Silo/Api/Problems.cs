using Microsoft.AspNetCore.Http.HttpResults;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Silo.Api;

/// <summary>RFC 9457 problem details that name the field at fault.</summary>
public static class Problems
{
    /// <summary>400 with one field's error.</summary>
    public static ValidationProblem Validation(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, detail: $"{field}: {message}");

    /// <summary>400 with every field's errors.</summary>
    public static ValidationProblem Validation(IEnumerable<FieldError> errors)
    {
        var list = errors.ToArray();
        return TypedResults.ValidationProblem(
            list.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()),
            detail: string.Join("; ", list.Select(e => $"{e.Field}: {e.Message}")));
    }

    /// <summary>404 naming what was not found, with the same <c>errors</c> map a 400 carries.</summary>
    public static ProblemHttpResult NotFound(IEnumerable<FieldError> errors)
    {
        var list = errors.ToArray();
        return TypedResults.Problem(
            statusCode: StatusCodes.Status404NotFound,
            title: "Not found",
            detail: string.Join("; ", list.Select(e => $"{e.Field}: {e.Message}")),
            extensions: new Dictionary<string, object?>
            {
                ["errors"] = list.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()),
            });
    }

    /// <summary>404 for an id that names nothing.</summary>
    public static ProblemHttpResult NotFound(string field, string message) => NotFound([new FieldError(field, message)]);

    /// <summary>409 for a request the job's state does not allow.</summary>
    public static ProblemHttpResult Conflict(string message) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: message);
}
