using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Telemetry;
using OrleansCluster.Model.Generations;
using OrleansCluster.Model.Simulation;
using OrleansCluster.Model.Telemetry;
using OrleansCluster.Silo.Simulation;

namespace OrleansCluster.Silo.Telemetry;

/// <summary>
/// Writes per-GPU series named, typed, labelled and described as NVIDIA's dcgm-exporter does with its default
/// counters (<c>Telemetry:Dcgm=true</c>), so that dashboards and alert rules written for a DCGM fleet read the
/// simulator unchanged. Values come from <see cref="GpuTelemetryModel"/>; the two counters (energy, NVLink
/// traffic) integrate power and bandwidth over the wall time between scrapes, each GPU's temperatures follow the model's
/// steady ones with a first-order lag over that time (<see cref="ThermalLag"/>), and the rows remapped are the fault
/// registry's durable count, as the block holds it (<see cref="DcgmNodes.Entry.RemappedRows"/>). With <see cref="DcgmOptions"/>' workload
/// labels on, each series ends with them in dcgm-exporter's order (its attributes, sorted by name). A GPU keeps its
/// pod's labels while its node is down or evicted: the pod still holds the device until the job is rescheduled, and a
/// rule scoped to the job's namespace must see the XID of the GPU that failed it. One GPU of a crashed node reports the XID
/// of its crash (<see cref="OrleansCluster.Abstractions.Messages.NodeEffect.Xid"/>, set when the node's faults
/// change) with NVIDIA's text for it (<see cref="XidCatalog"/>), down; which one is drawn from the node and the XID
/// (<see cref="GpuSpread.FaultyGpu"/>), and the node's other GPUs read healthy and idle. Each GPU of a node reads a
/// little warmer or cooler and draws a little more or less than the node's model figure, at a fixed place among them
/// (<see cref="GpuSpread"/>, <see cref="GpuTelemetryModel.Vary"/>), so that a node's eight GPUs do not read alike. A GPU that runs no kernel reads as a healthy idle one
/// (<see cref="GpuTelemetryModel.Idle"/>, no XID): its node evicted from the job without crashing (or repaired and not
/// yet back at a checkpoint), the job paused or stopped (as the host read it before the scrape, <see
/// cref="SimulationMetrics.LastNow"/>, or as the job answers on a silo it does not report to; where the job's state
/// cannot be read, as it last answered for up to <see cref="JobStateReuse"/>, then its GPUs read their last step).
/// A running job's node with no busy share yet (its first step after a load or a block laid out anew) is mid-step, not
/// idle: it reads as before (docs/telemetry.md).
/// A silo writes at most <see cref="TelemetryOptions.DcgmMaxGpus"/> GPUs (whole nodes, lowest in the scenario's order
/// first) and counts the GPUs it leaves out in <c>gpusim_dcgm_gpus_omitted</c>, with a warning in the log once per
/// scenario: found by probing, nothing bounded the page, and 2,496 nodes made one of 119 MB.
/// </summary>
public sealed partial class DcgmWriter(
    DcgmNodes nodes,
    LayoutCache layouts,
    SimulationMetrics metrics,
    IGrainFactory grains,
    IOptions<DcgmOptions> options,
    IOptions<TelemetryOptions> telemetry,
    ILogger<DcgmWriter> logger,
    TimeProvider time) : IDisposable
{
    /// <summary>The driver version the series report.</summary>
    public const string DriverVersion = "570.133.20";

    /// <summary>
    /// How long a node this silo stops showing keeps its counters (energy, NVLink traffic) before they are forgotten.
    /// While the tree is laid out again (blocks configured anew, a silo lost, a block reactivated) a scrape can miss a
    /// node for a moment; when it comes back its "since boot" counters go on from where they were rather than from 0
    /// (before 2026-11-28 they were forgotten at the first scrape that missed the node: after a kill -9 of the other
    /// silo, 19 of the survivor's 20 nodes' energy read 0 again). Bounded, so that the state kept stays bounded by
    /// the nodes seen in the last five minutes.
    /// </summary>
    public static readonly TimeSpan AbsentNodeRetention = TimeSpan.FromMinutes(5);

    // Bus ids as an HGX board numbers its eight GPUs.
    private static readonly string[] PciBusIds = ["00000000:18:00.0", "00000000:2A:00.0", "00000000:3A:00.0", "00000000:5D:00.0", "00000000:9A:00.0", "00000000:AB:00.0", "00000000:BA:00.0", "00000000:DB:00.0"];

    private static readonly (string Name, string Type, string Help, Func<Gpu, double> Value)[] Families =
    [
        ("DCGM_FI_DEV_SM_CLOCK", "gauge", "SM clock frequency (in MHz).", g => g.Readings.SmClockMhz),
        ("DCGM_FI_DEV_MEM_CLOCK", "gauge", "Memory clock frequency (in MHz).", g => g.Readings.MemoryClockMhz),
        ("DCGM_FI_DEV_MEMORY_TEMP", "gauge", "Memory temperature (in C).", g => g.Readings.MemoryTemperatureC),
        ("DCGM_FI_DEV_GPU_TEMP", "gauge", "GPU temperature (in C).", g => g.Readings.GpuTemperatureC),
        ("DCGM_FI_DEV_POWER_USAGE", "gauge", "Power draw (in W).", g => g.Readings.PowerWatts),
        ("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "counter", "Total energy consumption since boot (in mJ).", g => Math.Floor(g.EnergyMillijoules)),
        ("DCGM_FI_DEV_PCIE_REPLAY_COUNTER", "counter", "Total number of PCIe retries.", _ => 0),
        ("DCGM_FI_DEV_GPU_UTIL", "gauge", "GPU utilization (in %).", g => g.Readings.GpuUtilPercent),
        ("DCGM_FI_DEV_MEM_COPY_UTIL", "gauge", "Memory utilization (in %).", g => g.Readings.MemoryCopyUtilPercent),
        ("DCGM_FI_DEV_ENC_UTIL", "gauge", "Encoder utilization (in %).", _ => 0),
        ("DCGM_FI_DEV_DEC_UTIL", "gauge", "Decoder utilization (in %).", _ => 0),
        ("DCGM_FI_DEV_XID_ERRORS", "gauge", "Value of the last XID error encountered.", g => g.Readings.LastXid),
        ("DCGM_FI_DEV_FB_FREE", "gauge", "Framebuffer memory free (in MiB).", g => g.Readings.FramebufferFreeMiB),
        ("DCGM_FI_DEV_FB_USED", "gauge", "Framebuffer memory used (in MiB).", g => g.Readings.FramebufferUsedMiB),
        ("DCGM_FI_DEV_FB_RESERVED", "gauge", "Framebuffer memory reserved (in MiB).", g => g.Readings.FramebufferReservedMiB),
        ("DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL", "counter", "Total number of NVLink bandwidth counters for all lanes", g => Math.Floor(g.NvLinkBytes)),
        ("DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS", "counter", "Number of remapped rows for uncorrectable errors", g => g.RemappedRows),
        ("DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS", "counter", "Number of remapped rows for correctable errors", _ => 0),
        ("DCGM_FI_DEV_ROW_REMAP_FAILURE", "gauge", "Whether remapping of rows has failed", _ => 0),
        ("DCGM_FI_PROF_GR_ENGINE_ACTIVE", "gauge", "Ratio of time the graphics engine is active.", g => g.Readings.GraphicsEngineActive),
        ("DCGM_FI_PROF_SM_ACTIVE", "gauge", "The ratio of cycles an SM has at least 1 warp assigned.", g => g.Readings.SmActive),
        ("DCGM_FI_PROF_SM_OCCUPANCY", "gauge", "The ratio of number of warps resident on an SM.", g => g.Readings.SmOccupancy),
        ("DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", "gauge", "Ratio of cycles the tensor (HMMA) pipe is active.", g => g.Readings.TensorPipeActive),
        ("DCGM_FI_PROF_DRAM_ACTIVE", "gauge", "Ratio of cycles the device memory interface is active sending or receiving data.", g => g.Readings.DramActive),
        ("DCGM_FI_PROF_PCIE_TX_BYTES", "gauge", "The rate of data transmitted over the PCIe bus - including both protocol headers and data payloads - in bytes per second.", g => g.Readings.PcieTxBytesPerSecond),
        ("DCGM_FI_PROF_PCIE_RX_BYTES", "gauge", "The rate of data received over the PCIe bus - including both protocol headers and data payloads - in bytes per second.", g => g.Readings.PcieRxBytesPerSecond),
    ];

    private readonly Dictionary<string, NodeGpus> _gpus = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Node, int Gpu), GpuLabels> _labels = [];
    private readonly Dictionary<int, (string Key, string Value)[]> _xidAttributes = [];
    private readonly Dictionary<GpuGeneration, GpuReadings> _idle = []; // each generation's idle readings, made once
    private readonly SemaphoreSlim _gate = new(1, 1);
    private string? _scenario; // the scenario _gpus and _labels hold the nodes of
    private bool _omissionLogged; // whether this scenario's GPUs past DcgmMaxGpus were logged
    private long _lastScrape; // when the last page was gathered: a node not shown then counts from its return

    public async Task WriteAsync(StringBuilder output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        var layout = await layouts.GetAsync(cancellationToken);
        if (layout is null)
        {
            return;
        }

        var jobIdle = await JobIdleAsync(layout.Scenario.Name, cancellationToken);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var (gpus, omitted) = Gather(layout, jobIdle);
            output.Append("# HELP gpusim_dcgm_gpus_omitted GPUs of this silo's nodes without dcgm series: past Telemetry:DcgmMaxGpus.\n");
            output.Append("# TYPE gpusim_dcgm_gpus_omitted gauge\n");
            output.Append("gpusim_dcgm_gpus_omitted{scenario=\"").Append(PrometheusText.Escape(layout.Scenario.Name)).Append("\"} ")
                .Append(omitted.ToString(CultureInfo.InvariantCulture)).Append('\n');
            foreach (var (name, type, help, value) in Families)
            {
                output.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
                output.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
                foreach (var gpu in gpus)
                {
                    output.Append(name).Append('{');
                    if (name == "DCGM_FI_DEV_XID_ERRORS")
                    {
                        // err_code and err_msg are attributes too: they take their place among the others by name.
                        AppendWithAttributes(output, gpu.Labels, XidAttributes(gpu.Readings.LastXid));
                    }
                    else
                    {
                        output.Append(gpu.Labels.Full);
                    }

                    output.Append("} ").Append(PrometheusText.Number(value(gpu))).Append('\n');
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The longest a scrape of a silo the job does not report to waits for the job's state.</summary>
    public static readonly TimeSpan JobStateWait = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long the job's last answer stands for a scrape that cannot get a new one (the job out of reach within
    /// <see cref="JobStateWait"/>): long enough to bridge the job's move to another silo, short enough that a job that
    /// resumed meanwhile reads busy again soon after.
    /// </summary>
    public static readonly TimeSpan JobStateReuse = TimeSpan.FromSeconds(30);

    private JobAnswer? _jobAnswer; // the job's last answer on a silo it does not report to (a reference: written whole)

    // Whether the job runs no kernel on any GPU of the scenario: paused or stopped (before 2026-11-28 its GPUs read their
    // last step: a paused job's at 98 % and ~350 W), or not started. On the silo the job reports to, as that silo read
    // it before this scrape (LastNow; unread there, the last step stands). On any other silo, which holds GPUs of the
    // job's blocks but not its figures, as the job answers now: found by review, a paused job's GPUs read idle on the
    // job's silo and busy on every other. A job out of reach within JobStateWait gives its last answer for up to
    // JobStateReuse, then the last step's readings (found by review: a timeout read as running, so a paused job's GPUs
    // flapped between 0 % and 98 % from scrape to scrape). A silo with no block of the scenario asks nothing: it has no
    // GPU to show (found by review: every scrape called the job).
    private async Task<bool> JobIdleAsync(string scenario, CancellationToken cancellationToken)
    {
        if (metrics.LastNow is { } now)
        {
            return now.Scenario == scenario && now.State != JobState.Running;
        }

        if (metrics.LastStep is not null || !nodes.Snapshot().Any(block => block.Scenario == scenario))
        {
            return false;
        }

        try
        {
            var status = await grains.GetGrain<IJobGrain>(IJobGrain.Key).GetStatusAsync().AsTask().WaitAsync(JobStateWait, cancellationToken);
            var idle = status.Scenario == scenario && status.Job.State != JobState.Running;
            _jobAnswer = new JobAnswer(scenario, idle, time.GetTimestamp());
            return idle;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return _jobAnswer is { } last && last.Scenario == scenario && time.GetElapsedTime(last.Timestamp) <= JobStateReuse && last.Idle;
        }
    }

    // The GPUs of the running scenario's nodes on this silo. The counters and labels kept per node follow the page: a
    // scenario loaded after another starts them afresh (a node of the same name is another machine), as does a node
    // whose GPU model changed (other cards: other UUIDs), and a node no longer on the page (its block gone or moved to
    // another silo) is forgotten once it has been missing for AbsentNodeRetention, so they never outgrow what was shown.
    // Past DcgmMaxGpus, the nodes lowest in the scenario's order whose GPUs fit, and the count of the GPUs left out.
    private (List<Gpu> Gpus, long Omitted) Gather(ClusterLayout layout, bool jobIdle)
    {
        var now = time.GetTimestamp();
        if (!string.Equals(_scenario, layout.Scenario.Name, StringComparison.Ordinal))
        {
            _gpus.Clear();
            _labels.Clear();
            _idle.Clear();
            _scenario = layout.Scenario.Name;
            _omissionLogged = false;
        }

        var (written, omitted) = NodesToWrite(layout);
        var gpus = new List<Gpu>();
        var shown = 0;
        foreach (var (block, i, ordinal) in written)
        {
            var id = block.Nodes[i];
            var node = layout.Nodes[ordinal];
            var effect = block.Effects[i];
            var generation = node.Generation;
            var model = generation.ModelName;
            if (!_gpus.TryGetValue(id, out var state) || state.Model != model || state.Spread.Length != node.GpusPerNode)
            {
                state = new NodeGpus(model, GpuSpread.Of(id, node.GpusPerNode)) { Timestamp = now };
                _gpus[id] = state;
            }

            // Only a crash takes a GPU off the bus, and only one: the GPU the node's XID names (GpuSpread.FaultyGpu)
            // reads down with it; the node's other GPUs are healthy and run no kernel, their ranks gone with the job's
            // (before 2026-11-28 all eight read the XID, 0 W and 0 MHz). A node evicted by the barrier timeout (a
            // slowdown past it, or a crash repaired before the checkpoint it rejoins at) is out of the job with
            // healthy GPUs, as one NCCL dropped is: idle, no XID (before 2026-11-28 it read XID 79 and 0 W, and a
            // repaired node's XID outlived its crash until it rejoined).
            var xid = effect.Xid > 0 ? effect.Xid : XidCatalog.FallenOffTheBus;
            var faulty = effect.Crashed ? GpuSpread.FaultyGpu(id, xid, node.GpusPerNode) : -1;
            var readings = effect.Crashed || jobIdle || block.Evicted[i]
                ? Idle(generation, effect.PowerLimitRatio)
                : GpuTelemetryModel.Read(generation, block.Busy[i], effect.ClockRatio, down: false, XidCatalog.None, effect.PowerLimitRatio);
            // Its energy and traffic since the last page, if that page showed it; a node back from an absence counts
            // from its return (found by review: it was credited with the whole absence, which another silo may have
            // counted meanwhile).
            var seconds = state.Timestamp == _lastScrape ? time.GetElapsedTime(state.Timestamp, now).TotalSeconds : 0;
            var sinceShown = time.GetElapsedTime(state.Timestamp, now).TotalSeconds; // the temperature lags over any absence too
            state.Timestamp = now;
            shown++;
            // The HBM rows the node's double-bit ECC errors spared, on the card XID 48 names (every such error of the node
            // hits that one: GpuSpread.FaultyGpu), as the fault registry counts them in its durable record and tells the
            // block, so that any silo showing the node reads the same, a restarted one included, and a crash in force
            // counts once. Never less than this silo last showed: a block laid out anew reads 0 until the registry has
            // told it (found by review: the count was this silo's own, from 0 on a silo that started showing the node,
            // and a crash still in force counted once more there).
            var eccGpu = GpuSpread.FaultyGpu(id, XidCatalog.DoubleBitEcc, node.GpusPerNode);
            state.RemappedRows = Math.Max(state.RemappedRows, block.RemappedRows[i]);
            for (var g = 0; g < node.GpusPerNode; g++)
            {
                var gpu = g == faulty
                    ? GpuTelemetryModel.Read(generation, block.Busy[i], effect.ClockRatio, down: true, xid, effect.PowerLimitRatio)
                    : GpuTelemetryModel.Vary(readings, generation, state.Spread[g], effect.PowerLimitRatio);
                gpu = Lag(gpu, state, g, generation, sinceShown);
                state.EnergyMillijoules[g] += gpu.PowerWatts * seconds * 1000;
                state.NvLinkBytes[g] += gpu.NvLinkBytesPerSecond * seconds;
                gpus.Add(new Gpu(Labels(id, layout.Scenario.Sites[node.SiteIndex].Name, g, model), gpu, state.EnergyMillijoules[g], state.NvLinkBytes[g], g == eccGpu ? state.RemappedRows : 0));
            }
        }

        if (_gpus.Count > shown)
        {
            Forget(now);
        }

        _lastScrape = now;
        return (gpus, omitted);
    }

    // The GPU's temperatures as they lag its power (ThermalLag, Telemetry:Dcgm:ThermalTimeConstantSeconds): each moves
    // from what the last page showed toward the model's steady value for the power drawn now, over the wall time since
    // (found by review, fix-dcgm: they jumped with every change of power, a paused job's GPUs from 56 C to 32 C between
    // two scrapes, where a real GPU takes a minute or so). A GPU this silo has not shown starts at its steady value; one
    // whose steady value is its generation's slowdown temperature (a thermal throttle) is there at once: that heat is
    // what throttles it.
    private GpuReadings Lag(GpuReadings gpu, NodeGpus state, int g, GpuGeneration generation, double seconds)
    {
        var tau = options.Value.ThermalTimeConstantSeconds;
        var hot = gpu.GpuTemperatureC >= generation.SlowdownTemperatureC;
        state.GpuTemperatureC[g] = hot ? gpu.GpuTemperatureC : ThermalLag.Step(state.GpuTemperatureC[g], gpu.GpuTemperatureC, seconds, tau);
        state.MemoryTemperatureC[g] = hot ? gpu.MemoryTemperatureC : ThermalLag.Step(state.MemoryTemperatureC[g], gpu.MemoryTemperatureC, seconds, tau);
        var (gpuC, memoryC) = (Math.Round(state.GpuTemperatureC[g]), Math.Round(state.MemoryTemperatureC[g]));
        return gpuC == gpu.GpuTemperatureC && memoryC == gpu.MemoryTemperatureC ? gpu : gpu with { GpuTemperatureC = gpuC, MemoryTemperatureC = memoryC };
    }

    // The running scenario's nodes on this silo that the page writes (each a block's entry, the node's index in it and
    // its ordinal in the layout), and the GPUs left out: every node while their GPUs are within DcgmMaxGpus; past it,
    // whole nodes lowest in the scenario's order first, so that a silo writes the same nodes scrape after scrape.
    private (List<(DcgmNodes.Entry Block, int Index, int Ordinal)> Written, long Omitted) NodesToWrite(ClusterLayout layout)
    {
        var all = new List<(DcgmNodes.Entry Block, int Index, int Ordinal)>();
        long total = 0;
        foreach (var block in nodes.Snapshot())
        {
            if (block.Scenario != layout.Scenario.Name)
            {
                continue;
            }

            for (var i = 0; i < block.Nodes.Count; i++)
            {
                var ordinal = layout.OrdinalOf(block.Nodes[i]);
                if (ordinal >= 0)
                {
                    all.Add((block, i, ordinal));
                    total += layout.Nodes[ordinal].GpusPerNode;
                }
            }
        }

        var max = telemetry.Value.DcgmMaxGpus;
        if (total <= max)
        {
            return (all, 0);
        }

        all.Sort((a, b) => a.Ordinal.CompareTo(b.Ordinal));
        long kept = 0;
        var count = 0;
        while (count < all.Count && kept + layout.Nodes[all[count].Ordinal].GpusPerNode <= max)
        {
            kept += layout.Nodes[all[count++].Ordinal].GpusPerNode;
        }

        all.RemoveRange(count, all.Count - count);
        if (!_omissionLogged)
        {
            _omissionLogged = true;
            LogGpusOmitted(logger, layout.Scenario.Name, total, max, kept, total - kept);
        }

        return (all, total - kept);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "dcgm series: scenario {Scenario} has {Total} GPUs on this silo, past Telemetry:DcgmMaxGpus ({Max}): /metrics writes {Kept} of them and leaves out {Omitted} (gpusim_dcgm_gpus_omitted); raise the setting, or spread the scenario over more silos")]
    private static partial void LogGpusOmitted(ILogger logger, string scenario, long total, int max, long kept, long omitted);

    // Drops the nodes no scrape has shown for AbsentNodeRetention, and the longest absent past DcgmMaxGpus GPUs of absent
    // nodes, and their GPUs' labels: what the writer keeps per GPU (counters, temperatures) stays within the GPUs shown
    // (at most DcgmMaxGpus) and as many again, however often the nodes move between silos.
    private void Forget(long now)
    {
        var absent = _gpus.Where(p => p.Value.Timestamp != now).OrderBy(p => p.Value.Timestamp).ToList();
        long held = absent.Sum(p => p.Value.Spread.Length);
        foreach (var (id, gpus) in absent)
        {
            if (held <= telemetry.Value.DcgmMaxGpus && time.GetElapsedTime(gpus.Timestamp, now) <= AbsentNodeRetention)
            {
                continue;
            }

            _gpus.Remove(id);
            held -= gpus.Spread.Length;
        }

        foreach (var key in _labels.Keys.Where(k => !_gpus.ContainsKey(k.Node)).ToArray())
        {
            _labels.Remove(key);
        }
    }

    // A generation's idle readings, made once per scenario (called under the gate); under a power cap below idle power
    // (the model's caps reach that low), board power at the cap, as the model's Read bounds it.
    private GpuReadings Idle(GpuGeneration generation, double powerLimitRatio)
    {
        if (!_idle.TryGetValue(generation, out var idle))
        {
            idle = GpuTelemetryModel.Idle(generation);
            _idle[generation] = idle;
        }

        var limit = powerLimitRatio > 0 ? Math.Min(powerLimitRatio, 1) * generation.TdpWatts : double.PositiveInfinity;
        return idle.PowerWatts > limit ? idle with { PowerWatts = limit } : idle;
    }

    // err_code and err_msg of an XID (NVIDIA's text, XidCatalog), built once per XID: called under the gate.
    private (string Key, string Value)[] XidAttributes(int xid)
    {
        if (!_xidAttributes.TryGetValue(xid, out var attributes))
        {
            attributes = [("err_code", xid.ToString(CultureInfo.InvariantCulture)), ("err_msg", XidCatalog.Message(xid))];
            _xidAttributes[xid] = attributes;
        }

        return attributes;
    }

    private GpuLabels Labels(string node, string site, int gpu, string model)
    {
        // Made for this site and model: a scenario reloaded under the same name may put other GPUs on the node, and a
        // UUID belongs to the card, so another model is another UUID.
        if (!_labels.TryGetValue((node, gpu), out var labels) || labels.Site != site || labels.Model != model)
        {
            var fixedLabels = string.Create(CultureInfo.InvariantCulture,
                $"gpu=\"{gpu}\",UUID=\"GPU-{Uuid($"{node}/gpu{gpu}/{model}")}\",pci_bus_id=\"{PciBusIds[gpu % PciBusIds.Length]}\",device=\"nvidia{gpu}\",modelName=\"{PrometheusText.Escape(model)}\",Hostname=\"{PrometheusText.Escape(node)}\",DCGM_FI_DRIVER_VERSION=\"{DriverVersion}\"");
            var attributes = Workload(node, site);
            var full = new StringBuilder();
            AppendWithAttributes(full, new GpuLabels(site, model, fixedLabels, attributes, string.Empty), []);
            labels = new GpuLabels(site, model, fixedLabels, attributes, full.ToString());
            _labels[(node, gpu)] = labels;
        }

        return labels;
    }

    // dcgm-exporter prints its fixed labels, then its labels map (the driver version), then its attributes map
    // sorted by name (Go templates range over a map in key order): container, err_code, err_msg, hpc_job, namespace,
    // node, pod, pod_uid.
    private static void AppendWithAttributes(StringBuilder output, GpuLabels labels, (string Key, string Value)[] extra)
    {
        output.Append(labels.Fixed);
        foreach (var (key, value) in labels.Attributes.Concat(extra).OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            output.Append(',').Append(key).Append("=\"").Append(PrometheusText.Escape(value)).Append('"');
        }
    }

    // The workload attributes: one pod per node, named as a JobSet names its pods (one replicated job per site),
    // without the random suffix so that a node's series keep one name.
    private (string Key, string Value)[] Workload(string node, string site)
    {
        var o = options.Value;
        var attributes = new List<(string, string)>();
        if (o.Slurm)
        {
            attributes.Add(("hpc_job", o.SlurmJobId));
        }

        if (o.Kubernetes)
        {
            var pod = $"{o.JobName}-{site}-0-{node[(site.Length + 1)..]}";
            attributes.Add(("container", o.Container));
            attributes.Add(("namespace", o.Namespace));
            attributes.Add(("node", node));
            attributes.Add(("pod", pod));
            attributes.Add(("pod_uid", Uuid($"{o.Namespace}/{pod}").ToString()));
        }

        return [.. attributes];
    }

    // A stable GUID per name (a node's GPU of a model, a pod): the same on every scrape, every silo and every run.
    private static Guid Uuid(string name) =>
        new(SHA256.HashData(Encoding.UTF8.GetBytes(name)).AsSpan(0, 16));

    public void Dispose() => _gate.Dispose();

    // A node's GPUs between scrapes: the GPU model they are, each one's place among them (GpuSpread), their "since boot"
    // counters, the rows its XID-48 card spared as last shown, each GPU's temperatures as last shown (they lag power), and
    // when the counters were last advanced (a TimeProvider timestamp). Written under the gate only.
    private sealed class NodeGpus(string model, double[] spread)
    {
        public string Model { get; } = model;

        public double[] Spread { get; } = spread;

        public double[] EnergyMillijoules { get; } = new double[spread.Length];

        public double[] NvLinkBytes { get; } = new double[spread.Length];

        public int RemappedRows { get; set; } // the most the registry has told for the node's XID-48 card while shown here

        public double[] GpuTemperatureC { get; } = Enumerable.Repeat(double.NaN, spread.Length).ToArray(); // as last shown, unrounded (NaN: never)

        public double[] MemoryTemperatureC { get; } = Enumerable.Repeat(double.NaN, spread.Length).ToArray();

        public long Timestamp { get; set; }
    }

    // Whether the job ran no kernel on the GPUs of a scenario, as it answered at a TimeProvider timestamp.
    private sealed record JobAnswer(string Scenario, bool Idle, long Timestamp);

    private sealed record Gpu(GpuLabels Labels, GpuReadings Readings, double EnergyMillijoules, double NvLinkBytes, int RemappedRows);

    // A GPU's labels: the site and model they were made for, the fixed ones, its workload attributes, and both written
    // out (what every series but XID's carries).
    private sealed record GpuLabels(string Site, string Model, string Fixed, (string Key, string Value)[] Attributes, string Full);
}
