using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Job;

namespace OrleansCluster.Grains.Tests.Job;

/// <summary>The control calls' rules without a silo: which call each state takes, what it changes and the refusals' words.</summary>
public sealed class JobControlsTests
{
    [Fact]
    public void AStartResumesAPausedJobAndRunsAStoppedOneAnewOnceItHasStepped()
    {
        Assert.Equal(JobControls.Start.Resume, JobControls.Starts(new JobRecord { State = JobState.Paused }, treeReady: true));
        Assert.Equal(JobControls.Start.Nothing, JobControls.Starts(new JobRecord { State = JobState.Running }, treeReady: true));
        Assert.Equal(JobControls.Start.Run, JobControls.Starts(new JobRecord { State = JobState.Stopped }, treeReady: true));
        Assert.Equal(JobControls.Start.RunAnew, JobControls.Starts(new JobRecord { State = JobState.Stopped, Step = 4 }, treeReady: true));
        Assert.Equal(JobControls.Start.RunAnew, JobControls.Starts(new JobRecord { State = JobState.Stopped, StepsFailed = 1 }, treeReady: true));
        Assert.Equal(JobControls.Start.RunAnew, JobControls.Starts(new JobRecord { State = JobState.Stopped }, treeReady: false));
        Assert.Equal("no scenario is loaded", Assert.Throws<InvalidOperationException>(() => JobControls.Starts(new JobRecord(), treeReady: true)).Message);
    }

    [Fact]
    public void PauseAndResumeTakeARunningOrPausedJobAndSayWhatToDoInstead()
    {
        Assert.True(JobControls.Pauses(JobState.Running));
        Assert.False(JobControls.Pauses(JobState.Paused));
        Assert.True(JobControls.Resumes(JobState.Paused));
        Assert.False(JobControls.Resumes(JobState.Running));

        Assert.Equal(
            "no scenario is loaded: nothing to pause (PUT /api/scenario loads one)",
            Assert.Throws<InvalidOperationException>(() => JobControls.Pauses(JobState.Idle)).Message);
        Assert.Equal(
            "the job is stopped: nothing to resume (POST /api/job/start runs it again from step 1)",
            Assert.Throws<InvalidOperationException>(() => JobControls.Resumes(JobState.Stopped)).Message);
        Assert.Equal(
            "the job is stopped: nothing to pause (POST /api/job/start runs it again from step 1)",
            Assert.Throws<InvalidOperationException>(() => JobControls.Pauses(JobState.Stopped)).Message);
    }

    [Fact]
    public void AStopHaltsARunningOrPausedJobAndAJobWithNoScenarioStaysIdle()
    {
        Assert.True(JobControls.Stops(JobState.Running));
        Assert.True(JobControls.Stops(JobState.Paused));
        Assert.False(JobControls.Stops(JobState.Stopped));
        Assert.False(JobControls.Stops(JobState.Idle));

        var idle = new JobRecord();
        JobControls.Halt(idle, JobState.Stopped);
        Assert.Equal(JobState.Idle, idle.State);

        var running = new JobRecord { State = JobState.Running };
        JobControls.Halt(running, JobState.Paused);
        Assert.Equal(JobState.Paused, running.State);
    }

    [Fact]
    public void ALoadOwesTheClearingOfEveryFaultAndALayoutMakesAnIdleJobStopped()
    {
        var job = new JobRecord();
        var source = new ScenarioSource("uniform", null);

        JobControls.Load(job, source);
        JobControls.LaidOut(job);

        Assert.Equal((source, true, JobState.Stopped), (job.Source, job.ClearFaultsOwed, job.State));
        var running = new JobRecord { State = JobState.Running };
        JobControls.LaidOut(running);
        Assert.Equal(JobState.Running, running.State);

        JobControls.Forget(job);
        Assert.Equal((null, JobState.Idle), (job.Source, job.State));
    }

    [Fact]
    public void OnlyARunningJobNotHandedOverCleanlyLostTheStepInFlight()
    {
        Assert.True(JobControls.LostStepInFlight(new JobRecord { State = JobState.Running }));
        Assert.False(JobControls.LostStepInFlight(new JobRecord { State = JobState.Running, Clean = true }));
        Assert.False(JobControls.LostStepInFlight(new JobRecord { State = JobState.Paused }));
    }
}
