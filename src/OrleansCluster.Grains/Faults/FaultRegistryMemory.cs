using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Faults;

/// <summary>
/// What the fault registry holds in memory beside its stored record: the book of faults pending or in force, the
/// effect each target was last told (and those to tell again), the run's layout, and when the last pass ran. It takes
/// the stored faults in (a restore), forgets them for a record read back, starts a run, adds and retires faults, and
/// works out the expire-and-plan half of a pass: what expired, and what to push. Pure: no grain, no storage, no timer,
/// no clock of its own (a pass takes the time); the grain writes, pushes and sets its timers from what this answers.
/// </summary>
internal sealed class FaultRegistryMemory
{
    private readonly PushedEffects _pushed = new();
    private DateTimeOffset _lastPass = DateTimeOffset.MinValue;

    /// <summary>
    /// The faults pending or in force, with their resolved targets. The stored record keeps a selector's or a site's
    /// fault without its node list (tens of thousands of ids for a site): they are resolved again, reproducibly with
    /// the scenario's seed, when the registry takes the record in (<see cref="Restore"/>).
    /// </summary>
    public FaultBook Book { get; } = new();

    /// <summary>The run's layout, null until a run is stored or started.</summary>
    public ClusterLayout? Layout { get; private set; }

    /// <summary>The nodes told an effect other than none, and what.</summary>
    public IReadOnlyDictionary<string, NodeEffect> NodeEffects => _pushed.Nodes;

    /// <summary>Whether a push that failed, or a target to tell again, waits for the next pass.</summary>
    public bool RetryDue => _pushed.RetryDue;

    /// <summary>
    /// Takes in the live faults <paramref name="stored"/> on <paramref name="layout"/> (<paramref name="history"/> holding
    /// those that ended), and answers what became of each (<see cref="FaultRestore"/>). Nothing records what the targets
    /// were told before: every node and link of the layout is told its effect at the next pass, whatever it is (none for
    /// most), so that no grain keeps an effect the record read does not list. Found by probing: only the targets of the
    /// faults stored were told, and a record older than what the grains were told (storage gone back in time) left a
    /// link partitioned by a fault the registry no longer listed, under the same epoch: every step failed until the job
    /// was stopped and started again. A reload is rare (an activation, a write read back); it costs one call per block
    /// and per link, as a layout does.
    /// </summary>
    public List<FaultRestore.Restored> Restore(ClusterLayout layout, IEnumerable<Fault> stored, IEnumerable<Fault> history)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(history);
        Layout = layout;
        var ended = history.Select(f => f.Id).ToHashSet(StringComparer.Ordinal);
        var restored = FaultRestore.Into(Book, stored, ended, layout);
        _pushed.TellAgain(layout.Nodes.Select(n => n.Id), layout.Scenario.Links.Select(l => l.Id));
        return restored;
    }

    /// <summary>
    /// Forgets the faults before a record read back is taken in (<see cref="Restore"/>): what was told for them stays,
    /// so that the next pass takes it back where they ended; all of it goes for a <paramref name="newRun"/>, whose
    /// grains start it healthy.
    /// </summary>
    public void Forget(bool newRun)
    {
        foreach (var id in Book.Faults.Select(f => f.Id).ToList())
        {
            Book.Remove(id);
        }

        if (newRun)
        {
            _pushed.Reset();
        }
    }

    /// <summary>A new run on <paramref name="layout"/>, its faults ended already: its grains start it healthy.</summary>
    public void StartRun(ClusterLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        Layout = layout;
        _pushed.Reset();
    }

    /// <summary>Takes <paramref name="faults"/> into the book, once their write succeeded.</summary>
    public void Add(IEnumerable<Fault> faults)
    {
        ArgumentNullException.ThrowIfNull(faults);
        foreach (var fault in faults)
        {
            Book.Add(fault);
        }
    }

    /// <summary>Takes out of the book the faults a successful write <paramref name="ended"/> (the grain adds them to the history).</summary>
    public void Retire(IEnumerable<Fault> ended)
    {
        ArgumentNullException.ThrowIfNull(ended);
        foreach (var fault in ended)
        {
            Book.Remove(fault.Id);
        }
    }

    /// <summary>
    /// Begins a pass at <paramref name="now"/>: the faults that ran their time leave the book, and the pass answers them
    /// (<see cref="Pass.Endings"/>: as they end, expired). An expiry is no caller's change and cannot be put back.
    /// </summary>
    public Pass Expire(DateTimeOffset now)
    {
        var expired = Book.Expire(now);
        return new Pass(now, expired, expired.Select(f => f with { State = FaultState.Expired }).ToList());
    }

    /// <summary>
    /// The pushes of <paramref name="pass"/>: the combined effect now of every target that a changed fault touches
    /// (<paramref name="changed"/>, the pass's expired faults, and those that started or turned their phase since the
    /// last pass: <see cref="FaultBook.Touched"/>), or of every target when <paramref name="changed"/> is null, where it
    /// differs from what the target was told, and every target to tell again. A mutation costs in proportion to its
    /// own targets, not to every fault in force. A node's HBM rows spared are <paramref name="ended"/>'s (the stored tally
    /// of the faults that ended) and the book's.
    /// </summary>
    public IReadOnlyList<PushedEffects.Push> Plan(Pass pass, IReadOnlyCollection<Fault>? changed, IReadOnlyDictionary<string, int>? ended = null)
    {
        ArgumentNullException.ThrowIfNull(pass);
        var (nodes, links) = changed is null ? default : Book.Touched(changed.Concat(pass.Expired), _lastPass, pass.Now);
        return _pushed.Plan(Book, nodes, links, pass.Now, ended);
    }

    /// <summary>The pass's pushes were made: the next pass recomputes what changes after its time.</summary>
    public void Pushed(Pass pass)
    {
        ArgumentNullException.ThrowIfNull(pass);
        _lastPass = pass.Now;
    }

    /// <summary>
    /// The pass failed before its end: the book no longer holds the faults it expired, so only the targets to tell
    /// again remember that theirs need telling.
    /// </summary>
    public void Missed(Pass pass)
    {
        ArgumentNullException.ThrowIfNull(pass);
        _pushed.TellAgain(pass.Expired.SelectMany(f => f.Targets.Nodes), pass.Expired.SelectMany(f => f.Targets.Links));
    }

    /// <summary>Marks <paramref name="push"/> as failed: the next pass makes it again.</summary>
    public void Failed(PushedEffects.Push push) => _pushed.Failed(push);

    /// <summary>One pass: its time, the faults that expired in it as the book held them, and as they end.</summary>
    public sealed record Pass(DateTimeOffset Now, IReadOnlyList<Fault> Expired, List<Fault> Endings);
}
