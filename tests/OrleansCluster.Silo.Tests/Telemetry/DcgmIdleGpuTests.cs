using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using OrleansCluster.Silo.Tests.Api;

namespace OrleansCluster.Silo.Tests.Telemetry;

/// <summary>
/// dcgm mode for GPUs that run no kernel: a node the barrier timeout evicted without crashing (out of the job, as one an
/// NCCL timeout dropped, with healthy GPUs), a crashed node once its crash is over but before it rejoins, and every GPU
/// of a paused or stopped job read as idle healthy GPUs: no XID, no utilisation or activity, their generation's idle
/// power and SM clock, energy growing at idle power. Found by probing (2026-11-28): the evicted node read XID 79 "GPU
/// has fallen off the bus" at 0 W while <c>/api/nodes</c> said it had not crashed, a repaired node's XID 79 outlived
/// its crash until the checkpoint it rejoined at, and a paused job's GPUs read 98 % busy at ~349 W.
/// </summary>
public sealed class DcgmIdleGpuTests : IAsyncLifetime
{
    private const string Node = "a-00003";
    private const double H100IdleWatts = 70; // the GPU catalogue's
    private const double H100IdleSmClockMhz = 345; // of its 1,980 MHz
    private const double IdleTemperatureC = 32;

    // The steady idle readings, temperature included: the lag it takes to reach 32 C (about a minute and a half at the
    // default 20 s) is DcgmThermalLagTests', so here the temperature reads its steady value at once (a time constant of 0).
    private readonly SiloFactory _factory = new()
    {
        Pace = "realtime",
        Settings = new Dictionary<string, string> { ["Simulation:Speed"] = "50", ["Telemetry:Dcgm"] = "true", ["Telemetry:Dcgm:ThermalTimeConstantSeconds"] = "0" },
    };

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task ANodeEvictedWithoutCrashingReadsIdleAndHealthy()
    {
        using var client = _factory.CreateAdminClient();
        await StartTrainingAsync(client, "dcgm-evicted");

        // 15 x its 0.87 s of compute is past the 10 s barrier timeout: it misses the barrier and is evicted, and is too
        // slow to rejoin (there is no checkpoint in the test to rejoin at anyway).
        var (status, fault, _) = await client.PostJsonAsync("/api/faults", $$$"""{"kind":"node.slowdown","target":{"node":"{{{Node}}}"},"params":{"factor":15}}""");
        Assert.True(status == HttpStatusCode.Created, fault.ToString());
        await client.WaitForClusterAsync(c => c.GetProperty("job").GetProperty("evictedNodes").GetInt32() == 1, "the slowed node to be evicted");
        var page = await MetricsPage.WaitForAsync(client, p => Read(p, "DCGM_FI_DEV_GPU_UTIL", Node) == 0, "the evicted node's GPUs to stop", Shown);
        TestContext.Current.TestOutputHelper?.WriteLine(Figures("evicted", page, Node));

        var node = (await client.GetJsonAsync($"/api/nodes/{Node}"));
        Assert.False(node.GetProperty("crashed").GetBoolean(), node.ToString());
        AssertIdle(page, Node);
        Assert.Equal(8, Regex.Count(page, $"^DCGM_FI_DEV_XID_ERRORS\\{{[^}}]*Hostname=\"{Node}\"[^}}]*\\}} 0$", RegexOptions.Multiline));
        // The others go on training, waiting for no one now.
        Assert.InRange(Gpu(page, "DCGM_FI_DEV_GPU_UTIL", "a-00004"), 90, 100);
        Assert.True(Gpu(page, "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", "a-00004") > 0.1);
    }

    [Fact]
    public async Task ACrashedNodesXidEndsWithItsCrashWhileItIsStillEvicted()
    {
        using var client = _factory.CreateAdminClient();
        await StartTrainingAsync(client, "dcgm-repaired");

        var (status, fault, _) = await client.PostJsonAsync("/api/faults", $$$"""{"kind":"node.crash","target":{"node":"{{{Node}}}"}}""");
        Assert.True(status == HttpStatusCode.Created, fault.ToString());
        var crashed = await MetricsPage.WaitForAsync(client, p => Gpus(p, "DCGM_FI_DEV_XID_ERRORS", Node)?.Max() == 79, "the crash's XID", Shown);
        Assert.Single(Gpus(crashed, "DCGM_FI_DEV_XID_ERRORS", Node)!, x => x == 79); // one GPU fell off the bus
        Assert.Single(Gpus(crashed, "DCGM_FI_DEV_POWER_USAGE", Node)!, w => w == 0); // the others idle
        var failed = await client.WaitForClusterAsync(
            c => c.GetProperty("job").GetProperty("stepsFailed").GetInt64() >= 1 && c.GetProperty("job").GetProperty("evictedNodes").GetInt32() == 1, "the crash to fail a step and the node to be evicted");
        // The job goes back to its checkpoint (step 0), and its step 1 asks the evicted nodes back: two steps completed
        // since mean that step is behind it, the node still down, so the node stays evicted for the rest of the test
        // (the next such step is 1,000,001).
        var okAtFailure = failed.GetProperty("job").GetProperty("stepsOk").GetInt64();
        await client.WaitForClusterAsync(
            c => c.GetProperty("job").GetProperty("stepsOk").GetInt64() >= okAtFailure + 2 && c.GetProperty("job").GetProperty("evictedNodes").GetInt32() == 1, "the job to step past its restart");

        // Repaired: its GPUs are back on the bus, idle until a checkpoint (none in the test) takes the node back.
        Assert.Equal(HttpStatusCode.OK, (await client.SendJsonAsync(HttpMethod.Delete, $"/api/faults/{fault.GetProperty("id").GetString()}")).Status);
        var repaired = await MetricsPage.WaitForAsync(client, p => Gpus(p, "DCGM_FI_DEV_XID_ERRORS", Node)?.Max() == 0, "the XID to end with the crash", Shown);
        var cluster = await client.GetJsonAsync("/api/cluster");
        TestContext.Current.TestOutputHelper?.WriteLine(Figures("repaired", repaired, Node));

        // Still evicted after the page was read, so the page showed an evicted node.
        Assert.True(cluster.GetProperty("job").GetProperty("evictedNodes").GetInt32() >= 1, cluster.ToString());
        AssertIdle(repaired, Node);
    }

    [Fact]
    public async Task APausedOrStoppedJobsGpusReadIdleAndTrainingFiguresComeBackOnResume()
    {
        using var client = _factory.CreateAdminClient();
        var training = await StartTrainingAsync(client, "dcgm-paused");
        var (tensor, power) = (Gpu(training, "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", Node), Gpu(training, "DCGM_FI_DEV_POWER_USAGE", Node));
        TestContext.Current.TestOutputHelper?.WriteLine(Figures("training", training, Node));

        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync("/api/job/pause")).Status);
        var clock = Stopwatch.StartNew();
        var paused = await MetricsPage.WaitForAsync(client, p => JobState(p, "paused"), "the job to read paused", Shown);
        var from = clock.Elapsed;
        await Task.Delay(1000, AdminClient.Ct); // a second of idle power between two pages, well above the rounding
        var later = await client.GetStringAsync("/metrics", AdminClient.Ct);
        var to = clock.Elapsed;
        TestContext.Current.TestOutputHelper?.WriteLine(Figures("paused", later, Node));

        // Every GPU, not only the one read: none is busy.
        Assert.DoesNotMatch(new Regex("^DCGM_FI_DEV_GPU_UTIL\\{[^}]*\\} [1-9]", RegexOptions.Multiline), later);
        AssertIdle(paused, Node);
        AssertIdle(later, Node);
        // Energy grows at idle power: at most idle power over the time that held both pages' reads.
        var energy = Gpu(later, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", Node) - Gpu(paused, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", Node);
        Assert.True(energy > 0, "energy grows while paused");
        Assert.True(energy <= (H100IdleWatts * (to - from + TimeSpan.FromSeconds(0.1)).TotalSeconds * 1000) + 1, $"{energy} mJ in {(to - from).TotalSeconds:F2} s: more than idle power");

        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync("/api/job/resume")).Status);
        var resumed = await MetricsPage.WaitForAsync(client, p => JobState(p, "running") && Read(p, "DCGM_FI_DEV_GPU_UTIL", Node) > 90, "the training figures to come back", Shown);
        Assert.Equal(tensor, Gpu(resumed, "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", Node), tensor * 0.01);
        Assert.Equal(power, Gpu(resumed, "DCGM_FI_DEV_POWER_USAGE", Node), 1.0);

        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync("/api/job/stop")).Status);
        var stopped = await MetricsPage.WaitForAsync(client, p => JobState(p, "stopped"), "the job to read stopped", Shown);
        AssertIdle(stopped, Node);
    }

    // The noise-free two-site scenario, with no checkpoint within the test (an evicted node rejoins only at one), loaded
    // and stepping: the page that shows its GPUs training.
    private static async Task<string> StartTrainingAsync(HttpClient client, string name)
    {
        var scenario = PartitionableScenario.Json(name, checkpointEverySteps: 1_000_000);
        Assert.Contains("1000000", scenario, StringComparison.Ordinal);
        await MetricsPage.LoadAsync(client, scenario);
        var page = await MetricsPage.WaitForAsync(
            client, p => JobState(p, "running") && Read(p, "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", Node) > 0 && Read(p, "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", "a-00004") > 0, "the training figures", Shown);
        Assert.InRange(Gpu(page, "DCGM_FI_DEV_GPU_UTIL", Node), 90, 100);
        Assert.True(Gpu(page, "DCGM_FI_DEV_POWER_USAGE", Node) > 2 * H100IdleWatts);
        return page;
    }

    // A healthy H100 running no kernel: no XID, nothing active, idle power, idle SM clock, cool; memory still held.
    private static void AssertIdle(string page, string node)
    {
        Assert.Equal(0, Gpu(page, "DCGM_FI_DEV_XID_ERRORS", node));
        Assert.Equal(0, Gpu(page, "DCGM_FI_DEV_GPU_UTIL", node));
        Assert.Equal(0, Gpu(page, "DCGM_FI_PROF_GR_ENGINE_ACTIVE", node));
        Assert.Equal(0, Gpu(page, "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", node));
        Assert.Equal(0, Gpu(page, "DCGM_FI_PROF_DRAM_ACTIVE", node));
        Assert.Equal(0, Gpu(page, "DCGM_FI_PROF_SM_ACTIVE", node));
        Assert.Equal(H100IdleWatts, Gpu(page, "DCGM_FI_DEV_POWER_USAGE", node));
        Assert.Equal(H100IdleSmClockMhz, Gpu(page, "DCGM_FI_DEV_SM_CLOCK", node));
        Assert.Equal(2619, Gpu(page, "DCGM_FI_DEV_MEM_CLOCK", node));
        Assert.Equal(IdleTemperatureC, Gpu(page, "DCGM_FI_DEV_GPU_TEMP", node));
        Assert.True(Gpu(page, "DCGM_FI_DEV_FB_USED", node) > 0, "the job's process still holds its memory");
    }

    private static string Figures(string what, string page, string node) =>
        $"{what}: XID {Read(page, "DCGM_FI_DEV_XID_ERRORS", node)}, GPU_UTIL {Read(page, "DCGM_FI_DEV_GPU_UTIL", node)}, tensor {Read(page, "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", node):F4}, " +
        $"power {Read(page, "DCGM_FI_DEV_POWER_USAGE", node)} W, SM clock {Read(page, "DCGM_FI_DEV_SM_CLOCK", node)} MHz, temp {Read(page, "DCGM_FI_DEV_GPU_TEMP", node)} C, " +
        $"energy {Read(page, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", node)} mJ";

    private static bool Shown(string line) =>
        line.StartsWith("gpusim_job_state", StringComparison.Ordinal) || line.Contains($"Hostname=\"{Node}\"", StringComparison.Ordinal);

    private static bool JobState(string page, string state) =>
        Regex.IsMatch(page, $"^gpusim_job_state\\{{(?=[^}}]*state=\"{state}\")[^}}]*\\}} 1$", RegexOptions.Multiline);

    private static double Gpu(string page, string name, string node)
    {
        var value = Read(page, name, node);
        Assert.True(value.HasValue, $"{name} of {node} not found");
        return value.Value;
    }

    // The series of the node: the mean of its eight GPUs, the node's model figure (each GPU reads a little apart from
    // it, GpuSpread, and they average to it); null while the page does not show them.
    private static double? Read(string page, string name, string node) => Gpus(page, name, node) is { } gpus ? Math.Round(gpus.Average(), 3) : null;

    // The series of each of the node's eight GPUs; null while the page does not show them.
    private static double[]? Gpus(string page, string name, string node)
    {
        var values = Regex.Matches(page, $"^{name}\\{{gpu=\"\\d\",[^}}]*Hostname=\"{node}\"[^}}]*\\}} (\\S+)$", RegexOptions.Multiline)
            .Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToArray();
        return values.Length == 8 ? values : null;
    }
}
