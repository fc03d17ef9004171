using Orleans.Metadata;
using Orleans.Runtime;

namespace OrleansCluster.Grains.Job;

/// <summary>
/// The job's barrier tree laid out over the silos: a new run or a new layout of the same run under a new epoch, the
/// silos it can go over (from the membership and the cluster's manifest) and those that joined since, and whether the
/// fault registry is on the layout (a layout it did not take, handed over again; its epoch, asked while the job steps).
/// A part of the grain (it calls the tree's grains and the registry); whether the tree is ready is
/// <see cref="TreeReadiness"/>'s, the registry's bookkeeping <see cref="RegistryRunRetry"/>'s and <see cref="RegistryEpochCheck"/>'s.
/// </summary>
public sealed partial class JobGrain
{
    private (MembershipVersion Membership, MajorMinorVersion Manifest) _seen; // the versions the silos were last read at

    // A new run of the loaded scenario: a new epoch, counters at zero, the tree configured afresh.
    // A load whose layout failed is owed its clearing of every fault until a run is laid out (found by review: a load,
    // which clears them, whose registry call failed, then a start, which keeps them, kept the old run's; the record
    // holds it, so that a start after the job's reactivation clears them too).
    private async Task ConfigureRunAsync(bool keepFaults)
    {
        keepFaults &= !Job.ClearFaultsOwed;
        Run.Restart();
        _evicted.Clear();
        _tree.Restart();
        ReportRun(); // the previous run's figures leave the page now, even where this layout fails part way
        Job.RunEpoch = Job.Epoch + 1; // the epoch ConfigureTreeAsync lays the run out under
        await ConfigureTreeAsync(keepFaults, continuing: false);
        Job.ClearFaultsOwed = false; // the record's next write carries it
        ReportRun(); // laid out: its links, before its first step (a run paused or stopped before it never takes one)
    }

    // Lays the scenario out over the coordinators, node and link grains under a new epoch (whatever they held
    // before is dropped), and has the registry push the faults to them again.
    // Continuing, the run goes on from its step (the blocks keep the nodes they evicted); otherwise it starts.
    // The same run laid out again (continuing) whose registry call fails is laid out all the same, and the call is owed, retried with a backoff (RegistryRunRetry; found by review,
    // fix-relayout: the epoch check laid the tree out again each second for a registry that could not take it, and the
    // job never stepped); the job does not step until the registry has taken it (JobGrain.Loop). A new run's call that fails fails the layout: it must not step on the last run's faults.
    private async Task ConfigureTreeAsync(bool keepFaults, bool continuing = true)
    {
        var layout = _readiness.LayingOut(); // until the registry has the run too: a layout that fails part way is laid out again
        if (_registryRun.InFlight is { } retry)
        {
            // The registry takes the layouts in the order they are told: a retry of the last one lands before this one.
            await retry.ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext | ConfigureAwaitOptions.SuppressThrowing);
            _registryRun.Dropped(); // this layout's call tells what the registry has
        }

        Job.Epoch++;
        Run.ForgetLastStep();
        var (silos, seen) = ActiveSilos();
        if (silos.Length == 0)
        {
            silos = [GrainContext.Address.SiloAddress!]; // a snapshot that does not list this silo yet: the tree goes here
        }

        _readiness.Over(silos.Select(s => s.ToString()));
        _seen = seen;
        var calls = _calls ??= new TreeCalls(GrainFactory);
        _tree.LaidOut(await calls.ConfigureAsync(_loaded!, Job.Epoch, silos, _tuning.BlocksPerShard, continuing, _evicted.Ids), calls.Silos);
        _tree.BeforeStep = _evicted.BySite(_loaded!.Scenario, _loaded.Layout); // the blocks keep them evicted: counted so until the first step answers
        JobControls.LaidOut(Job);

        // The registry re-applies (or, for a new scenario, clears) the faults for this run.
        try
        {
            await Registry.RunStartedAsync(Job.Epoch, Job.Source!, keepFaults, continuing, _tuning.BlockSize);
            RegistryTookLayout();
        }
        catch (Exception e) when (continuing && !_writes.Superseded)
        {
            RegistryRefusedLayout(e);
        }

        _readiness.LaidOut(layout); // a silo that announced its drain meanwhile may hold part of this layout
    }

    // The registry took the layout: nothing is owed, and its epoch is asked again (an answer in flight predates it).
    private void RegistryTookLayout()
    {
        if (_registryRun.Owed)
        {
            LogRegistryTookLayout(logger, Job.Epoch, _registryRun.Failures);
        }

        _registryRun.Taken();
        _registryEpoch.Told();
    }

    // The registry did not take the same run's layout: owed, handed over again with a backoff (RetryRegistryRun), the
    // job waiting meanwhile. Logged once until it takes one; the job's status says so meanwhile (job.registryOff).
    private void RegistryRefusedLayout(Exception e)
    {
        if (_registryRun.Failed(Job.Epoch, e))
        {
            LogRegistryRefusedLayout(logger, Job.Epoch, e.GetBaseException().GetType().Name, e.GetBaseException().Message, RegistryRunRetry.MaxWait.TotalSeconds);
        }
    }

    // Hands the registry the layout it did not take, once its backoff has passed, without the step waiting on the call
    // (a registry whose storage is out of reach answers late): its outcome is taken in at a later tick.
    private void RetryRegistryRun()
    {
        if (_registryRun.Answered is { } answered)
        {
            if (answered.IsCompletedSuccessfully)
            {
                RegistryTookLayout();
            }
            else
            {
                RegistryRefusedLayout(answered.Exception is { } e ? e : new TaskCanceledException(answered));
            }
        }

        if (_registryRun.Due)
        {
            _registryRun.Asked(Registry.RunStartedAsync(Job.Epoch, Job.Source!, keepFaults: true, continuing: true, _tuning.BlockSize));
        }
    }

    // Whether the fault registry is off the job's layout, so that the tree is laid out again past its epoch (the why, and
    // the three reviews behind it, are RegistryEpochCheck's). Asked about once a second, the step not waiting on the
    // answer (a registry whose storage is out of reach answers late or not at all). A registry ahead of the layout is
    // acted on only once this activation's own write of the record lands (RecordWrittenAsync): the record's one writer
    // then, while a write that finds another activation's record stands this one down. While the record cannot be
    // written the job keeps its layout and does not step (TickAsync), and its status says so (job.registryOff).
    // While the registry is owed the layout (RegistryRunRetry) its answer is not the layout, and the retry is what is done.
    private async Task<bool> RegistryOffAsync()
    {
        if (_registryRun.Owed)
        {
            return false;
        }

        long? answered = null;
        if (_registryEpoch.Answered is { } answer)
        {
            try
            {
                answered = await answer; // ended already: no wait
            }
            catch (Exception)
            {
                _registryEpoch.Failed(); // unreachable for now: asked again within a second
            }
        }

        var off = false;
        if (answered is { } registry && _registryEpoch.Off(registry, Job.Epoch))
        {
            var wasAhead = _registryEpoch.AheadUnconfirmed;
            off = _registryEpoch.ActsOn(registry, Job.Epoch, recordWritten: registry > Job.Epoch && await RecordWrittenAsync());
            if (off)
            {
                LogRegistryOff(logger, registry, Job.Epoch);
                Job.Epoch = Math.Max(Job.Epoch, registry); // the layout below takes the next one
            }
            else if (!wasAhead)
            {
                LogRegistryAheadUnconfirmed(logger, registry, Job.Epoch); // once, until it is acted on or back on the layout
            }
        }

        if (!off && _registryEpoch.Due)
        {
            _registryEpoch.Asked(Registry.EpochAsync().AsTask(), Job.Epoch);
        }

        return off;
    }

    // Whether this activation's write of the job's record lands now, which makes it the record's one writer (a write that
    // finds another activation's record stands this one down instead: the exception escapes the tick). Not tried while
    // a write is owed (storage out of reach: the step loop writes each second, and the next answer is acted on once one
    // has landed) or a control call's write is unsettled.
    private async Task<bool> RecordWrittenAsync() => !_writes.SaveOwed && _writes.Unsettled is null && await TrySaveAsync();

    // The silos the tree can be laid out over, sorted: active in the membership and in the cluster's manifest (a silo
    // that has just joined is active some moments before its grain types are known, and placing its coordinator
    // would fail), and not draining; with the versions they were read at.
    private (SiloAddress[] Silos, (MembershipVersion, MajorMinorVersion) Seen) ActiveSilos()
    {
        var (snapshot, manifest) = (membership.CurrentSnapshot, manifests.Current);
        var silos = snapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active && manifest.Silos.ContainsKey(m.SiloAddress) && !_leaving.IsDraining(m.SiloAddress.ToString()))
            .Select(m => m.SiloAddress).Order().ToArray();
        return (silos, (snapshot.Version, manifest.Version));
    }

    // The silos that can take part since the tree was laid out, once per membership or manifest change (null when
    // none): a silo that joins a running cluster takes its share of the tree at the next step, as one that leaves
    // gives its share up.
    private string? Joined()
    {
        if ((membership.CurrentSnapshot.Version, manifests.Current.Version) == _seen)
        {
            return null;
        }

        var (silos, seen) = ActiveSilos();
        _seen = seen;
        return _readiness.Joined(silos.Select(s => s.ToString()));
    }
}
