namespace OrleansCluster.Grains.Faults;

/// <summary>
/// A change of the fault registry that was not made: its write timed out or lost its connection, and the live record,
/// read back from storage, does not hold it. Memory holds what storage holds; the API answers it with 503.
/// </summary>
[GenerateSerializer, Alias("WriteNotMadeException")]
public sealed class WriteNotMadeException : Exception
{
    public WriteNotMadeException()
    {
    }

    public WriteNotMadeException(string message)
        : base(message)
    {
    }

    public WriteNotMadeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The fault registry does not know whether its last write was made: it timed out or lost its connection, and the
/// live record could not be read back either. The registry answers every call (but its health) with this until a
/// read back succeeds, so that nothing is answered from a memory that may differ from storage; the API answers 503.
/// </summary>
[GenerateSerializer, Alias("WriteUnsettledException")]
public sealed class WriteUnsettledException : Exception
{
    public WriteUnsettledException()
    {
    }

    public WriteUnsettledException(string message)
        : base(message)
    {
    }

    public WriteUnsettledException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
