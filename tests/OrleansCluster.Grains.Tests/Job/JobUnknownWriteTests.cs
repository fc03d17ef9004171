using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Faults;
using OrleansCluster.Grains.Job;
using OrleansCluster.Grains.Tests.Faults;

namespace OrleansCluster.Grains.Tests.Job;

/// <summary>
/// The job's control calls after a write of its record whose outcome is unknown (found by probing: a resume answered
/// 503 "the change was undone here" while Redis was paused, and storage ran the write when Redis went on, so the
/// record said running while the job said paused). The job reads its record back before it answers, as the fault
/// registry does: a write storage holds answers as made, one it does not is WriteNotMadeException and changes
/// nothing, and while the read back fails the job takes no change until one succeeds. What it says agrees with what
/// storage holds (read by reloading the job). A paused job is used: it writes nothing on its own, so the write armed
/// to fail is the control call's.
/// </summary>
[Collection(FlakyStorageTests.Name)]
public sealed class JobUnknownWriteTests(FlakyStorageFixture fixture)
{
    private readonly JobDriver _driver = new(fixture.Client);

    [Fact]
    public async Task AResumeWhoseWriteTimesOutAfterLandingAnswersMadeAndTheJobRuns()
    {
        await PausedAsync("jl");
        fixture.Storage.Arm(SimulationStorage.JobState, FlakyStorage.Mode.LandLate);

        await _driver.Job.ResumeAsync(); // was a TimeoutException (503 "undone here"), the record saying running
        Assert.Equal(0, fixture.Storage.Armed(SimulationStorage.JobState));
        await AgreesWithStorageAsync(JobState.Running);
    }

    [Fact]
    public async Task AResumeWhoseWriteFailsUnstoredIsRefusedAndTheJobStaysPaused()
    {
        await PausedAsync("jf");
        fixture.Storage.Arm(SimulationStorage.JobState, FlakyStorage.Mode.Fail);

        var refused = await Assert.ThrowsAsync<WriteNotMadeException>(_driver.Job.ResumeAsync);
        Assert.Contains("not made", refused.Message, StringComparison.Ordinal);
        await AgreesWithStorageAsync(JobState.Paused);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task WhileAWriteOfUnknownOutcomeCannotBeReadBackEveryChangeIsRefusedAndTheFirstReadBackSettlesIt(bool landed)
    {
        var paused = await PausedAsync(landed ? "ju" : "jn");
        try
        {
            fixture.Storage.Arm(SimulationStorage.JobState, landed ? FlakyStorage.Mode.LandLate : FlakyStorage.Mode.Fail);
            fixture.Storage.FailReads(SimulationStorage.JobState, fail: true);
            await Assert.ThrowsAsync<WriteUnsettledException>(_driver.Job.ResumeAsync);

            // No change is taken meanwhile (each would be made over a record that may differ from storage's), and the
            // job neither steps nor writes; its status answers, as before the change, saying the record is unwritten.
            await Assert.ThrowsAsync<WriteUnsettledException>(_driver.Job.StopAsync);
            await Assert.ThrowsAsync<WriteUnsettledException>(() => _driver.Job.SetPaceAsync(PaceSettings.Max));
            var during = (await _driver.Job.GetStatusAsync()).Job;
            Assert.Equal((JobState.Paused, paused.Step), (during.State, during.Step));
            Assert.NotNull(during.Unwritten);
        }
        finally
        {
            fixture.Storage.FailReads(SimulationStorage.JobState, fail: false);
        }

        // The job's timer reads the record back on its own: the resume stands where storage holds it, and not otherwise.
        await _driver.WaitForAsync(s => s.Job.Unwritten is null);
        await AgreesWithStorageAsync(landed ? JobState.Running : JobState.Paused);
    }

    [Fact]
    public async Task AScenarioLoadWhoseWriteIsFoundMadeOnlyLaterRunsTheNewScenario()
    {
        // PUT /api/scenario's call. Found by review: the read back made the load again and laid its run out, but the
        // start that follows a load was the call's, which had answered 503 "not known": the job stayed stopped on the
        // new scenario, where a load runs it whatever the job's state.
        await PausedAsync("jp");
        var source = ScenarioSource.FromJson(Scenarios.Uniform(nodes: 32, site: "jq"));
        try
        {
            fixture.Storage.Arm(SimulationStorage.JobState, FlakyStorage.Mode.LandLate);
            fixture.Storage.FailReads(SimulationStorage.JobState, fail: true);
            await Assert.ThrowsAsync<WriteUnsettledException>(() => _driver.Job.LoadAndStartAsync(source));
            Assert.Equal(JobState.Paused, (await _driver.Job.GetStatusAsync()).Job.State); // as before the load, until read back
        }
        finally
        {
            fixture.Storage.FailReads(SimulationStorage.JobState, fail: false);
        }

        // Read back by the job's timer; the status answers between the settling and the start (it interleaves).
        await _driver.WaitForAsync(s => s.Job.Unwritten is null && s.Job.State == JobState.Running);
        Assert.Equal(source, (await _driver.Job.GetScenarioSourceAsync()).Source);
        await AgreesWithStorageAsync(JobState.Running);
    }

    [Fact]
    public async Task AStartOnLaunchWhoseLoadIsFoundMadeOnlyLaterRunsAtItsPace()
    {
        // A silo's start on launch (StartIfIdleAsync) is a load, a pace and a start: found made later, all of it is.
        await PausedAsync("ji");
        await fixture.DeactivateAsync(_driver.Job, "job");
        await fixture.Storage.ForgetAsync(SimulationStorage.JobState); // no record stored: the job's next activation is idle, as on a first launch
        Assert.Equal(JobState.Idle, (await _driver.Job.GetStatusAsync()).Job.State);
        var source = ScenarioSource.FromJson(Scenarios.Uniform(nodes: 32, site: "jk"));
        try
        {
            fixture.Storage.Arm(SimulationStorage.JobState, FlakyStorage.Mode.LandLate);
            fixture.Storage.FailReads(SimulationStorage.JobState, fail: true);
            await Assert.ThrowsAsync<WriteUnsettledException>(() => _driver.Job.StartIfIdleAsync(source, PaceSettings.Max));
        }
        finally
        {
            fixture.Storage.FailReads(SimulationStorage.JobState, fail: false);
        }

        var settled = await _driver.WaitForAsync(s => s.Job.Unwritten is null && s.Job.State == JobState.Running);
        Assert.Equal(source, (await _driver.Job.GetScenarioSourceAsync()).Source);
        Assert.Equal(PaceSettings.Max, settled.Job.Pace);
        await AgreesWithStorageAsync(JobState.Running);
    }

    [Fact]
    public async Task AStartOverWhoseWriteIsNotMadeStillGetsItsNewRunWrittenSoStorageAgreesWithTheJob()
    {
        // A stopped job's start lays a new run out (step 0, a new epoch) before its write; that write refused, the
        // start is not made, but the new run is what the job holds: it is written once storage takes writes (found by
        // review: memory was put back to the new run with nothing owed, so storage kept the old run while /healthz
        // said written, and a silo lost then left the next activation to lay the same epoch out again).
        await PausedAsync("js");
        await _driver.Job.StopAsync();
        (long Epoch, long Step)? stored = null;
        fixture.Storage.Wrote = (name, state) =>
        {
            if (name == SimulationStorage.JobState && state is JobRecord record)
            {
                stored = (record.Epoch, record.Step);
            }
        };
        try
        {
            fixture.Storage.Arm(SimulationStorage.JobState, FlakyStorage.Mode.Fail);
            await Assert.ThrowsAsync<WriteNotMadeException>(_driver.Job.StartAsync);
            var held = await _driver.WaitForAsync(s => s.Job.Unwritten is null && stored == (s.Job.Epoch, s.Job.Step));
            Assert.Equal((JobState.Stopped, 0L), (held.Job.State, held.Job.Step));
        }
        finally
        {
            fixture.Storage.Wrote = null;
        }
    }

    // A uniform scenario of `site` running at max pace, then paused after a few steps.
    private async Task<JobStatus> PausedAsync(string site)
    {
        await fixture.LoadUniformAsync(site);
        await _driver.Job.SetPaceAsync(PaceSettings.Max);
        await _driver.Job.StartAsync();
        await _driver.WaitForStepAsync(3);
        await _driver.Job.PauseAsync();
        return (await _driver.Job.GetStatusAsync()).Job;
    }

    // The job is in `state` as it is and once reloaded from storage; a running job steps on.
    private async Task AgreesWithStorageAsync(JobState state)
    {
        for (var reloaded = 0; reloaded < 2; reloaded++)
        {
            var status = (await _driver.Job.GetStatusAsync()).Job;
            Assert.Equal(state, status.State);
            if (state == JobState.Running)
            {
                await _driver.WaitForStepAsync(status.Step + 2);
            }

            if (reloaded == 0)
            {
                await fixture.DeactivateAsync(_driver.Job, "job");
            }
        }

        await _driver.Job.StopAsync();
    }

    [Fact]
    public async Task ALoadFoundMadeOnlyAsTheJobDeactivatesRunsTheNewScenarioOnceReactivated()
    {
        // A scenario load whose write landed but whose answer was lost (storage timed out, and could not be read back)
        // leaves its layout and the start that follows it (PUT /api/scenario's) to whichever reads the record back first:
        // the job's timer, each second, or the job's deactivation (OnDeactivateAsync settles it, then saves). Deactivated
        // before its timer reads it back, the job runs the new scenario once reactivated, as it would have had it stayed.
        await fixture.LoadUniformAsync("dl");
        await _driver.Job.SetPaceAsync(PaceSettings.Max);
        await _driver.Job.StartAsync();
        await _driver.WaitForStepAsync(3);
        await _driver.Job.PauseAsync();
        var source = ScenarioSource.FromJson(Scenarios.Uniform(nodes: 32, site: "dm"));
        try
        {
            fixture.Storage.Arm(SimulationStorage.JobState, FlakyStorage.Mode.LandLate);
            fixture.Storage.FailReads(SimulationStorage.JobState, fail: true);
            await Assert.ThrowsAsync<WriteUnsettledException>(() => _driver.Job.LoadAndStartAsync(source));
            Assert.Equal(JobState.Paused, (await _driver.Job.GetStatusAsync()).Job.State); // as before the load, until read back
        }
        finally
        {
            fixture.Storage.FailReads(SimulationStorage.JobState, fail: false);
        }

        // Deactivated at once: the read back is the deactivation's (its timer reads back a second after its last try).
        await fixture.DeactivateAsync(_driver.Job, "job");

        var reactivated = await _driver.WaitForAsync(s => s.Job.State == JobState.Running && s.Job.Step >= 2);
        Assert.Null(reactivated.Job.Unwritten);
        Assert.Equal(source, (await _driver.Job.GetScenarioSourceAsync()).Source);
        await _driver.WaitForStepAsync(reactivated.Job.Step + 2);
        await _driver.Job.StopAsync();
    }
}
