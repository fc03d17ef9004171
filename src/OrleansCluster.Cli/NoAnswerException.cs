namespace OrleansCluster.Cli;

/// <summary>
/// A call that got no answer before its client's timeout (<see cref="NamedCallHandler"/>): its message names the call
/// and the timeout. A <see cref="TaskCanceledException"/>, as HttpClient's timeout is, so that the commands that count a
/// timed-out call as a failure still do.
/// </summary>
public sealed class NoAnswerException(string message, Exception innerException, CancellationToken cancellationToken)
    : TaskCanceledException(message, innerException, cancellationToken);
