using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using OrleansCluster.Silo.Tests.Api;

namespace OrleansCluster.Silo.Tests.Telemetry;

/// <summary>
/// dcgm mode while every step fails: a GPU lives through a failed step as its compute and then the rest of the barrier
/// timeout spinning inside the collective that never completes, so its figures are those of a step as long as the
/// timeout (busy = t_i / timeout): GPU_UTIL and the graphics engine stay high, tensor and DRAM activity and power fall,
/// energy grows with that power; once steps complete again the training figures come back. Found by review: failed
/// steps left the figures of the last completed step, so a partitioned job's GPUs read as training at full power.
/// </summary>
public sealed partial class DcgmFailedStepTests : IAsyncLifetime
{
    // Noise-free, so every completed step takes the same time; a partition of its one link fails every step.
    private static readonly string TwoSites = PartitionableScenario.Json("dcgm-failing");

    private const double TimeoutSeconds = 10;
    private const double H100IdleWatts = 70; // the GPU catalogue's

    private readonly SiloFactory _factory = new()
    {
        Pace = "realtime",
        Settings = new Dictionary<string, string> { ["Simulation:Speed"] = "50", ["Telemetry:Dcgm"] = "true" },
    };

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task FailedStepsShowGpusSpinningInTheCollectiveForTheTimeoutAndTrainingFiguresComeBack()
    {
        using var client = _factory.CreateAdminClient();
        await MetricsPage.LoadAsync(client, TwoSites);
        var healthy = await client.WaitForClusterAsync(
            c => c.GetProperty("scenario").GetString() == "dcgm-failing" && c.GetProperty("job").GetProperty("stepsOk").GetInt64() >= 3,
            "the scenario to step");
        var stepSeconds = healthy.Figure("durationSeconds");
        var okBefore = healthy.GetProperty("job").GetProperty("stepsOk").GetInt64();
        var training = await MetricsPage.WaitForAsync(
            client, p => Steps(p, "ok") >= okBefore + 2 && Read(p, "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE") > 0, "the training figures", Shown);
        var (tensor, power, dram) = (Gpu(training, "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE"), Gpu(training, "DCGM_FI_DEV_POWER_USAGE"), Gpu(training, "DCGM_FI_PROF_DRAM_ACTIVE"));
        Assert.InRange(Gpu(training, "DCGM_FI_DEV_GPU_UTIL"), 90, 100);
        Assert.True(stepSeconds < TimeoutSeconds / 4, $"a step of {stepSeconds} s: too long against the timeout for the contrast");

        var (status, fault, _) = await client.PostJsonAsync("/api/faults", """{"kind":"link.partition","target":{"link":"a-b"}}""");
        Assert.True(status == HttpStatusCode.Created, fault.ToString());
        var failedBefore = Steps(training, "failed");

        // Once one step has failed under the partition every later one does, and each step's command hands the blocks
        // the step before: two failures since the injection mean the blocks have read a failed step, and read no other
        // until the partition is cleared.
        var failing = await MetricsPage.WaitForAsync(client, p => Steps(p, "failed") >= failedBefore + 2, "steps to fail under the partition", Shown);
        var later = await MetricsPage.WaitForAsync(client, p => Steps(p, "failed") >= Steps(failing, "failed") + 1, "another failed step", Shown);
        Assert.Equal(Steps(failing, "ok"), Steps(later, "ok"));

        TestContext.Current.TestOutputHelper?.WriteLine(Figures("training", training) + $", T_step {stepSeconds:F4} s");
        TestContext.Current.TestOutputHelper?.WriteLine(Figures("failing", later));

        // The compute the GPU did is the same; its step is the timeout, so its busy share is t_i / timeout (the
        // training busy share scaled by T_step / timeout), all the rest spent in NCCL's spinning kernels.
        var scale = stepSeconds / TimeoutSeconds;
        Assert.InRange(Gpu(later, "DCGM_FI_DEV_GPU_UTIL"), 90, 100);
        Assert.True(Gpu(later, "DCGM_FI_PROF_GR_ENGINE_ACTIVE") > 0.9, $"GR_ENGINE_ACTIVE {Gpu(later, "DCGM_FI_PROF_GR_ENGINE_ACTIVE")}");
        Assert.Equal(tensor * scale, Gpu(later, "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE"), tensor * 0.01);
        Assert.True(Gpu(later, "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE") < tensor / 4, $"tensor {Gpu(later, "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE")} against {tensor} training");
        Assert.True(Gpu(later, "DCGM_FI_PROF_DRAM_ACTIVE") < dram / 2, $"DRAM {Gpu(later, "DCGM_FI_PROF_DRAM_ACTIVE")} against {dram} training");
        // Power above idle is (TDP - idle) x 0.98 x (0.2 + 0.8 x busy): the spinning kernels draw a fifth of the range.
        var busy = tensor / 0.8 / 0.98;
        var expectedPower = H100IdleWatts + ((power - H100IdleWatts) * (0.2 + (0.8 * busy * scale)) / (0.2 + (0.8 * busy)));
        Assert.Equal(expectedPower, Gpu(later, "DCGM_FI_DEV_POWER_USAGE"), 1.0);
        Assert.True(Gpu(later, "DCGM_FI_DEV_POWER_USAGE") < 0.6 * power, $"power {Gpu(later, "DCGM_FI_DEV_POWER_USAGE")} W against {power} W training");
        Assert.True(Gpu(later, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION") > Gpu(failing, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION"), "energy grows while steps fail");
        Assert.Equal(0, Gpu(later, "DCGM_FI_DEV_XID_ERRORS")); // a partition crashes no GPU
        Assert.Equal(16 * 8, Regex.Count(later, "^DCGM_FI_DEV_XID_ERRORS\\{[^}]*\\} 0$", RegexOptions.Multiline));

        // Cleared, steps complete again (every one after the clear: the steps counted so far were before it) and the
        // figures of a completed step come back, every one alike, noise-free.
        Assert.Equal(HttpStatusCode.OK, (await client.SendJsonAsync(HttpMethod.Delete, $"/api/faults/{fault.GetProperty("id").GetString()}")).Status);
        var okAtClear = Steps(later, "ok");
        var recovered = await MetricsPage.WaitForAsync(client, p => Steps(p, "ok") >= okAtClear + 3, "steps to complete once the partition is cleared", Shown);
        TestContext.Current.TestOutputHelper?.WriteLine(Figures("recovered", recovered));
        Assert.Equal(tensor, Gpu(recovered, "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE"), tensor * 0.01);
        Assert.Equal(power, Gpu(recovered, "DCGM_FI_DEV_POWER_USAGE"), 1.0);
        Assert.InRange(Gpu(recovered, "DCGM_FI_DEV_GPU_UTIL"), 90, 100);
    }

    private static string Figures(string what, string page) =>
        $"{what}: GPU_UTIL {Gpu(page, "DCGM_FI_DEV_GPU_UTIL")}, GR_ENGINE {Gpu(page, "DCGM_FI_PROF_GR_ENGINE_ACTIVE"):F4}, tensor {Gpu(page, "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE"):F4}, " +
        $"DRAM {Gpu(page, "DCGM_FI_PROF_DRAM_ACTIVE"):F4}, power {Gpu(page, "DCGM_FI_DEV_POWER_USAGE")} W, energy {Gpu(page, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION")} mJ, " +
        $"PCIe rx {Gpu(page, "DCGM_FI_PROF_PCIE_RX_BYTES"):G4} B/s";

    private static bool Shown(string line) =>
        line.StartsWith("gpusim_steps_total", StringComparison.Ordinal) || line.Contains("Hostname=\"a-00003\"", StringComparison.Ordinal);

    // gpusim_steps_total of the scenario with that outcome (0 before the first).
    private static double Steps(string page, string outcome)
    {
        var match = Regex.Match(page, $"^gpusim_steps_total\\{{(?=[^}}]*outcome=\"{outcome}\")(?=[^}}]*scenario=\"dcgm-failing\")[^}}]*\\}} (\\S+)", RegexOptions.Multiline);
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    // The series of node a-00003 (the mean of its GPUs, the node's model figure), which must be on the page.
    private static double Gpu(string page, string name)
    {
        var value = Read(page, name);
        Assert.True(value.HasValue, $"{name} of a-00003 not found");
        return value.Value;
    }

    // The series of node a-00003: the mean of its eight GPUs, which read a little apart around the node's model figure
    // (GpuSpread); null while the page does not show them (the scenario just loaded).
    private static double? Read(string page, string name)
    {
        var values = Regex.Matches(page, $"^{name}\\{{gpu=\"\\d\",[^}}]*Hostname=\"a-00003\"[^}}]*\\}} (\\S+)$", RegexOptions.Multiline)
            .Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToArray();
        return values.Length == 8 ? Math.Round(values.Average(), 6) : null;
    }
}
