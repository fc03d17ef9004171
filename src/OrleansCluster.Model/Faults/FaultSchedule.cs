namespace OrleansCluster.Model.Faults;

/// <summary>
/// When a fault acts, and how its action changes with time: from <see cref="StartsAt"/> until <see cref="EndsAt"/>
/// (none: until cleared). Most kinds act the same all along (<see cref="SteadySchedule"/>); <c>node.flap</c>
/// alternates crashed and recovered half-periods (<see cref="FlapSchedule"/>). The registry asks a schedule what
/// the fault does now, whether that changed since its last pass, and when it next changes; it knows no kind by name.
/// </summary>
public abstract record FaultSchedule(FaultKind Kind, IReadOnlyDictionary<string, double> Params, DateTimeOffset StartsAt, DateTimeOffset? EndsAt)
{
    /// <summary>The schedule a fault of <paramref name="kind"/> keeps.</summary>
    public static FaultSchedule For(FaultKind kind, IReadOnlyDictionary<string, double> parameters, DateTimeOffset startsAt, DateTimeOffset? endsAt)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return kind == FaultKind.NodeFlap
            ? new FlapSchedule(parameters, startsAt, endsAt)
            : new SteadySchedule(kind, parameters, startsAt, endsAt);
    }

    /// <summary>Whether the fault is in force at <paramref name="now"/> (started, not yet ended).</summary>
    public bool IsActive(DateTimeOffset now) => StartsAt <= now && (EndsAt is null || EndsAt > now);

    /// <summary>Whether it has run its duration by <paramref name="now"/>.</summary>
    public bool HasExpired(DateTimeOffset now) => EndsAt <= now;

    /// <summary>What the fault does at <paramref name="now"/>, for the effect arithmetic; null when it is not in force.</summary>
    public ActiveFault? ActingAt(DateTimeOffset now) => IsActive(now) ? new ActiveFault(Kind, Params, Down(now), StartsAt: StartsAt) : null;

    /// <summary>Whether the fault acts differently at <paramref name="now"/> than at <paramref name="last"/>.</summary>
    public bool ChangedBetween(DateTimeOffset last, DateTimeOffset now) =>
        IsActive(last) != IsActive(now) || (IsActive(now) && Down(last) != Down(now));

    /// <summary>The first moment after <paramref name="now"/> at which the fault starts, changes phase or ends; null if none.</summary>
    public DateTimeOffset? NextChangeAfter(DateTimeOffset now)
    {
        DateTimeOffset? next = null;
        Consider(StartsAt);
        Consider(EndsAt);
        if (IsActive(now))
        {
            Consider(NextPhaseAfter(now));
        }

        return next;

        void Consider(DateTimeOffset? at)
        {
            if (at is { } t && t > now && (next is null || t < next))
            {
                next = t;
            }
        }
    }

    /// <summary>
    /// How many crashed spells the fault has begun by <paramref name="at"/>, each before its end: 1 for a <c>node.crash</c>
    /// that has started (and started before it ended: a crash cleared while pending never took the node down), the
    /// crashed half-periods begun for a <c>node.flap</c>, 0 for any other kind. Each spell is one error the GPU reported
    /// (an XID-48 crash spares one HBM row per spell: <c>DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS</c>).
    /// </summary>
    public int CrashSpellsBy(DateTimeOffset at)
    {
        if (EndsAt is { } end && at >= end)
        {
            at = end.AddTicks(-1); // the last moment it was in force: a spell that would begin at its end never did
        }

        return at < StartsAt ? 0 : SpellsSinceStart(at);
    }

    /// <summary>The crashed spells begun by <paramref name="at"/>, at or after <see cref="StartsAt"/> and before the end.</summary>
    protected virtual int SpellsSinceStart(DateTimeOffset at) => Kind == FaultKind.NodeCrash ? 1 : 0;

    /// <summary>Whether the fault holds its target down at <paramref name="now"/> by its own timing (a flap's crashed half).</summary>
    protected virtual bool Down(DateTimeOffset now) => false;

    /// <summary>The next moment after <paramref name="now"/> its timing changes what it does, if it has such a timing.</summary>
    protected virtual DateTimeOffset? NextPhaseAfter(DateTimeOffset now) => null;
}

/// <summary>A fault that acts the same for as long as it is in force.</summary>
public sealed record SteadySchedule(FaultKind Kind, IReadOnlyDictionary<string, double> Params, DateTimeOffset StartsAt, DateTimeOffset? EndsAt)
    : FaultSchedule(Kind, Params, StartsAt, EndsAt);

/// <summary><c>node.flap</c>: crashed for <c>periodSeconds</c>, recovered for as long, and so on, crashed first.</summary>
public sealed record FlapSchedule(IReadOnlyDictionary<string, double> Params, DateTimeOffset StartsAt, DateTimeOffset? EndsAt)
    : FaultSchedule(FaultKind.NodeFlap, Params, StartsAt, EndsAt)
{
    private double PeriodSeconds => Params["periodSeconds"];

    /// <inheritdoc />
    protected override bool Down(DateTimeOffset now) =>
        (long)Math.Floor((now - StartsAt).TotalSeconds / PeriodSeconds) % 2 == 0;

    /// <inheritdoc />
    /// <remarks>Its crashed halves begin at every other phase: phases 0, 2, 4... (as <see cref="Down"/> reads them).</remarks>
    protected override int SpellsSinceStart(DateTimeOffset at) =>
        (int)Math.Min(int.MaxValue, Math.Floor(Math.Floor((at - StartsAt).TotalSeconds / PeriodSeconds) / 2) + 1);

    /// <inheritdoc />
    protected override DateTimeOffset? NextPhaseAfter(DateTimeOffset now) =>
        StartsAt + TimeSpan.FromSeconds((Math.Floor((now - StartsAt).TotalSeconds / PeriodSeconds) + 1) * PeriodSeconds);
}
