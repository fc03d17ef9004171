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
    public static ProblemHttpResult NotFound(IEnumerable<FieldError> errors) => WithErrors(StatusCodes.Status404NotFound, "Not found", errors);

    /// <summary>
    /// 422 for a well-formed request that the server's state does not let it carry out (a limit reached, an
    /// idempotency key used for another request), with the same <c>errors</c> map a 400 carries.
    /// </summary>
    public static ProblemHttpResult Unprocessable(IEnumerable<FieldError> errors) => WithErrors(StatusCodes.Status422UnprocessableEntity, "Unprocessable request", errors);

    private static ProblemHttpResult WithErrors(int status, string title, IEnumerable<FieldError> errors)
    {
        var list = errors.ToArray();
        return TypedResults.Problem(
            statusCode: status,
            title: title,
            detail: string.Join("; ", list.Select(e => $"{e.Field}: {e.Message}")),
            extensions: new Dictionary<string, object?>
            {
                ["errors"] = list.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()),
            });
    }

    /// <summary>
    /// 410 for a request that named something (an <c>Idempotency-Key</c>'s earlier answer) which existed but is no
    /// longer kept, with the same <c>errors</c> map a 400 carries.
    /// </summary>
    public static ProblemHttpResult Gone(IEnumerable<FieldError> errors) => WithErrors(StatusCodes.Status410Gone, "Gone", errors);

    /// <summary>415 for a body sent as something other than JSON, naming <c>Content-Type</c>.</summary>
    public static ProblemHttpResult UnsupportedMediaType(string message) =>
        WithErrors(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", [new FieldError("Content-Type", message)]);

    /// <summary>404 for an id that names nothing.</summary>
    public static ProblemHttpResult NotFound(string field, string message) => NotFound([new FieldError(field, message)]);

    /// <summary>409 for a request the job's state does not allow.</summary>
    public static ProblemHttpResult Conflict(string message) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: message);
}
