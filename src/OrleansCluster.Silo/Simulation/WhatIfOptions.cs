using System.ComponentModel.DataAnnotations;

namespace OrleansCluster.Silo.Simulation;

/// <summary>The <c>WhatIf</c> configuration section: how much evaluation <c>POST /api/whatif</c> may ask for.</summary>
public sealed class WhatIfOptions
{
    /// <summary>Evaluations running at once; one more is answered 429.</summary>
    [Range(1, 64)]
    public int MaxConcurrent { get; set; } = 1;

    /// <summary>Nodes over every variant times steps: the work one evaluation may ask for (colossus standard at 20 steps is 15.84 million: 792,000 nodes over its 11 variants x 20).</summary>
    [Range(1, 10_000_000_000)]
    public long MaxNodeSteps { get; set; } = 40_000_000;

    /// <summary>Variants one evaluation may hold, <c>standard</c> expanded.</summary>
    [Range(1, 1_000)]
    public int MaxVariants { get; set; } = 32;

    /// <summary>Steps per variant at most.</summary>
    [Range(1, 100_000_000)]
    public int MaxSteps { get; set; } = 10_000;

    /// <summary>
    /// The nice value (0 to 19, Linux) of the thread an evaluation runs on: above the live job's 0, the job's threads
    /// take the cores first and the evaluation has what they leave; 0 runs it alongside them. Elsewhere 1 to 9 is
    /// below normal priority, 10 to 19 the lowest.
    /// </summary>
    [Range(0, 19)]
    public int Nice { get; set; } = 19;

    /// <summary>Seconds a caller answered 429 is told to wait.</summary>
    [Range(1, 3_600)]
    public int RetryAfterSeconds { get; set; } = 5;
}
