namespace OrleansCluster.Model.Scenarios;

/// <summary>One thing wrong with a scenario: the JSON path of the field at fault and what is wrong.</summary>
/// <param name="Field">Path such as <c>sites[1].nodes[0].generation</c> (empty for the document itself).</param>
/// <param name="Message">What is wrong, e.g. <c>unknown generation 'H900'</c>.</param>
public sealed record ScenarioError(string Field, string Message)
{
    /// <inheritdoc />
    public override string ToString() => Field.Length == 0 ? Message : $"{Field}: {Message}";
}
