namespace OrleansCluster.Cli.Reports;

/// <summary>Where one task of a long run stands, for a live display: what it is doing and how far along (0 to 1).</summary>
public readonly record struct RunProgress(string Task, string Status, double Fraction);
