namespace OrleansCluster.Model.Scenarios;

/// <summary>Thrown when a scenario does not validate; <see cref="Errors"/> names every field at fault.</summary>
public sealed class ScenarioValidationException : Exception
{
    /// <summary>An exception carrying every error found.</summary>
    public ScenarioValidationException(IReadOnlyList<ScenarioError> errors)
        : base("invalid scenario: " + string.Join("; ", errors))
    {
        Errors = errors;
    }

    /// <summary>An exception with no field named.</summary>
    public ScenarioValidationException()
        : this([])
    {
    }

    /// <summary>An exception about the document as a whole.</summary>
    public ScenarioValidationException(string message)
        : this([new ScenarioError(string.Empty, message)])
    {
    }

    /// <summary>An exception about the document as a whole, with its cause.</summary>
    public ScenarioValidationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [new ScenarioError(string.Empty, message)];
    }

    /// <summary>Every error found, in document order.</summary>
    public IReadOnlyList<ScenarioError> Errors { get; }
}
