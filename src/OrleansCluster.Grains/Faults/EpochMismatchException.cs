namespace OrleansCluster.Grains.Faults;

/// <summary>
/// The fault registry was handed background failures under another epoch than the one it tells its effects under: a
/// registry lost before it wrote the same run's new layout (written behind it) comes back on an older epoch. Nothing
/// is taken; the job hands the same arrivals over again once it has laid its tree out again and told the registry.
/// </summary>
[GenerateSerializer, Alias("EpochMismatchException")]
public sealed class EpochMismatchException : Exception
{
    public EpochMismatchException()
    {
    }

    public EpochMismatchException(string message)
        : base(message)
    {
    }

    public EpochMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
