namespace OrleansCluster.Abstractions.Messages;

/// <summary>Where a scenario comes from: a built-in preset by name, or a full scenario as JSON.</summary>
[GenerateSerializer, Immutable, Alias("ScenarioSource")]
public sealed record ScenarioSource([property: Id(0)] string? Preset, [property: Id(1)] string? Json)
{
    public static ScenarioSource FromPreset(string name) => new(name, null);

    public static ScenarioSource FromJson(string json) => new(null, json);
}

/// <summary>A control call of the job (<see cref="Grains.IJobGrain.ControlAsync"/>).</summary>
[GenerateSerializer, Alias("JobControl")]
public enum JobControl
{
    /// <summary>Start (a stopped job from step 1; a paused one resumes).</summary>
    Start = 0,

    /// <summary>Pause after the step in flight.</summary>
    Pause = 1,

    /// <summary>Resume a paused job.</summary>
    Resume = 2,

    /// <summary>Stop.</summary>
    Stop = 3,

    /// <summary>Set the pace.</summary>
    SetPace = 4,
}

/// <summary>How fast the job steps.</summary>
[GenerateSerializer, Alias("PaceMode")]
public enum PaceMode
{
    /// <summary>One step per simulated <c>T_step</c> of wall time, divided by the speed.</summary>
    Realtime = 0,

    /// <summary>As fast as the silos can go (load tests).</summary>
    Max = 1,
}

/// <summary>A pace: the mode, and for realtime the speed-up over wall time.</summary>
[GenerateSerializer, Immutable, Alias("PaceSettings")]
public sealed record PaceSettings([property: Id(0)] PaceMode Mode, [property: Id(1)] double Speed)
{
    /// <summary>The fastest realtime speed-up; a speed is within (0, <see cref="MaxSpeed"/>], at every entry.</summary>
    public const double MaxSpeed = 1e6;

    public static PaceSettings Realtime(double speed = 1) => new(PaceMode.Realtime, speed);

    /// <summary>Why <paramref name="speed"/> is not a speed (out of (0, 1e6], or not a number), or null when it is.</summary>
    public static string? SpeedError(double speed) =>
        speed > 0 && speed <= MaxSpeed ? null : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{speed} must be within (0, 1e6]");

    public static PaceSettings Max { get; } = new(PaceMode.Max, 1);
}

/// <summary>The job's life cycle.</summary>
[GenerateSerializer, Alias("JobState")]
public enum JobState
{
    /// <summary>No scenario loaded yet.</summary>
    Idle = 0,

    /// <summary>Stepping.</summary>
    Running = 1,

    /// <summary>Stopped at a step, resumable.</summary>
    Paused = 2,

    /// <summary>Ended; start runs the scenario again from step 1.</summary>
    Stopped = 3,
}

/// <summary>
/// One finished step, as kept in the job's recent history. <see cref="WallStartSeconds"/> is when the step
/// started (wall seconds since the run started) and <see cref="WallSeconds"/> how long the grains took to run it.
/// </summary>
[GenerateSerializer, Immutable, Alias("StepRecord")]
public sealed record StepRecord(
    [property: Id(0)] long Number,
    [property: Id(1)] bool Ok,
    [property: Id(2)] double DurationSeconds,
    [property: Id(3)] int HealthyNodes,
    [property: Id(4)] string? FailureReason,
    [property: Id(5)] double WallStartSeconds,
    [property: Id(6)] double WallSeconds,
    [property: Id(7)] StepBreakdownFigures? Breakdown = null);
