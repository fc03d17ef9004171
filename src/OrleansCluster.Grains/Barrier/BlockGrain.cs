using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Placement;
using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Telemetry;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Barrier;

/// <summary>
/// The lowest level of the barrier tree. It keeps each node's batch of compute times (drawn a batch of steps
/// ahead, refills staggered in groups of eight neighbours so that about 1/BatchSteps of the nodes are drawn each step) in one dense
/// ring of BatchSteps rows, a row per step and a column per node, so that a step reads one contiguous row and
/// the heap holds one long-lived array per block rather than one per node (at millions of nodes those were what
/// the garbage collector walked and promoted). The fault registry tells the block each node's effect; a node at
/// rest (no effect) is drawn here with the model's own function, exactly as its grain would draw it, and a node
/// under an effect is asked of its grain (activating it, beside the block) a batch at a time under that effect,
/// so node grains are activated only for the nodes that faults touch. Each step it reduces the
/// step's times into per-generation distributions and its K slowest nodes, evicts nodes that miss the
/// barrier, and lets them rejoin after a checkpoint once they are back within the barrier timeout. Once it has
/// answered a step, it draws the batches the next step will find due (<see cref="DrawAhead"/>), in time its silo
/// would otherwise spend waiting for the other silos and the job.
/// A block is placed beside the shard that configures it, and each node grain beside the block that first calls it,
/// so a step crosses silos only between the job and the silos' coordinators; the job's layout of the shards over the
/// silos is what spreads a scenario evenly over a cluster.
/// </summary>
[Immovable] // Orleans must not move it, nor try to when a silo stops (it moves itself to a new layout's silo): docs/cluster.md
[BesideCoordinatorPlacement]
public sealed partial class BlockGrain(
    ILogger<BlockGrain> logger,
    IOptions<SimulationTuning> tuning,
    IOptions<TelemetryOptions> telemetry,
    NodeHistograms histograms,
    NodeGauges gauges,
    DcgmNodes dcgm) : Grain, IBlockGrain
{
    private readonly int _batchSteps = tuning.Value.BatchSteps;
    private BlockConfig? _config;
    private NodeSpec[] _specs = [];
    private INodeGrain[] _grains = [];
    private int[] _generationOf = [];
    private int[] _gpus = [];
    private string[] _generations = [];
    private Dictionary<string, int> _indexOf = new(StringComparer.Ordinal);

    private double[] _ring = [];
    private long[] _windowFrom = [];
    private long[] _windowEnd = [];
    private bool[] _stale = [];
    private ulong[] _streams = [];
    private bool[] _evicted = [];
    private int _blockPhase; // where this block's groups start among the BatchSteps phases (see CountFrom)

    private double[] _previous = [];
    private BlockReduction _reduction = new([], [], [], [], 1);
    private long _gatheredAhead = -1; // the step reduced ahead and not yet answered (-1: none)
    private readonly bool _stepAhead = tuning.Value.StepAhead;
    private double[] _busy = [];
    private NodeEffect[] _effects = [];
    private int[] _remappedRows = []; // HBM rows each node's GPUs spared, as the registry counts them (dcgm mode)
    private NodeCounts[] _states = [];
    private (int Healthy, int Degraded, int Down)[] _tally = [];
    private readonly List<int> _refill = [];
    private readonly List<Task<NodeBatch>> _calls = [];
    private DrawAhead? _drawAhead; // made at the first step answered

    public async Task<bool> ConfigureAsync(BlockConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        await SettleDrawAheadAsync();
        if (BesideCoordinatorPlacementDirector.Misplaced(GrainContext.Address.SiloAddress))
        {
            this.MigrateOnIdle(); // its evicted nodes go along (OnDehydrate) for a layout of the same run
            return false;
        }

        // The nodes this activation (or one that moved here) had evicted, and those the job knows were, for blocks
        // activated afresh (their silo left): read before this configuration replaces the old one.
        string[] kept = config.Continuing ? [.. Evicted(config), .. config.Evicted ?? []] : [];
        _carried = null;
        _config = config;
        var n = config.Nodes.Count;
        _specs = [.. config.Nodes];
        _grains = _specs.Select(s => GrainFactory.GetGrain<INodeGrain>(s.Node)).ToArray();
        _generations = _specs.Select(s => s.Generation).Distinct(StringComparer.Ordinal).ToArray();
        _generationOf = _specs.Select(s => Array.IndexOf(_generations, s.Generation)).ToArray();
        _gpus = _specs.Select(s => s.Gpus).ToArray();
        _indexOf = new Dictionary<string, int>(n, StringComparer.Ordinal);
        for (var i = 0; i < n; i++)
        {
            _indexOf[_specs[i].Node] = i;
        }

        _ring = new double[checked(_batchSteps * n)];
        _windowFrom = new long[n];
        _windowEnd = new long[n];
        _stale = Enumerable.Repeat(true, n).ToArray();
        _streams = _specs.Select(s => SeededNoise.StreamKey(s.Node)).ToArray();
        _evicted = new bool[n];
        foreach (var node in kept)
        {
            if (_indexOf.TryGetValue(node, out var i))
            {
                _evicted[i] = true; // the run goes on: evicted until a checkpoint finds it back within the timeout
            }
        }
        _blockPhase = (int)(SeededNoise.StreamKey(config.Block) % (ulong)_batchSteps);
        _tally = new (int, int, int)[_generations.Length];
        _states = [];
        _waitBuckets = _generations.Select(_ => new NodeHistograms.Buckets()).ToArray();
        _waitTimes = new double[n];
        _waitMax = 0;
        _previous = Enumerable.Repeat(double.NaN, n).ToArray();
        _gatheredAhead = -1;
        _busy = Enumerable.Repeat(double.NaN, n).ToArray();
        _effects = Enumerable.Repeat(NodeEffect.None, n).ToArray(); // a run starts healthy: the registry tells its faults after
        _remappedRows = new int[n]; // and the rows its nodes' GPUs spared
        if (telemetry.Value.Dcgm)
        {
            dcgm.Register(config.Block, new DcgmNodes.Entry(config.Scenario, config.Epoch, _specs.Select(s => s.Node).ToArray(), _busy, _effects, _evicted, _remappedRows));
        }

        if (telemetry.Value.PerNode)
        {
            gauges.Register(config.Block, new NodeGauges.Entry(config.Scenario, config.Epoch, config.Site, _specs.Select(s => s.Node).ToArray(), _specs.Select(s => s.Generation).ToArray(), _previous));
        }

        _reduction = new BlockReduction(_specs.Select(s => s.Node).ToArray(), _generations, _generationOf, _gpus, config.TopK);

        // Draw the first batches now, while the job loads, so that the first steps run at their usual cost.
        DrawDue(1, rejoinCheck: false);
        await AskNodesAsync(1);
        return true;
    }

    public async Task<BarrierSummary> RunStepAsync(StepCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var config = _config ?? throw new InvalidOperationException($"block {this.GetPrimaryKeyString()} is not configured");
        if (config.Epoch != command.Epoch)
        {
            throw new InvalidOperationException($"block {config.Block} runs epoch {config.Epoch}, asked for {command.Epoch}");
        }

        // The step's arithmetic goes through ComputeLane rather than running as the grain's turn, so that the calls
        // this silo sends the other silos are not held back until every one of its own blocks has stepped.
        await SettleDrawAheadAsync(); // the batches drawn (and the step reduced) ahead, or what is left of them for DrawDue
        BarrierSummary? summary;
        if (UsesReductionAhead(_gatheredAhead, command, _evicted.AsSpan().Contains(true)))
        {
            // Reduced while the silo waited, from the same batches and evicted nodes: only the last step's waits and the answer are left.
            summary = await ComputeLane.Shared.Run(() =>
            {
                KeepBarrierWaits(config, command.PreviousMaxComputeSeconds);
                RecordBusy(command.PreviousStepSeconds);
                Interlocked.Increment(ref _answeredAhead);
                return Answer(config);
            });
        }
        else
        {
            _gatheredAhead = -1; // another step (a step back, a rejoin check with a node evicted): reduced here
            summary = await ComputeLane.Shared.Run(() =>
            {
                KeepBarrierWaits(config, command.PreviousMaxComputeSeconds);
                RecordBusy(command.PreviousStepSeconds);
                DrawDue(command.Step, command.RejoinCheck);
                if (_refill.Count != 0)
                {
                    return null;
                }

                Gather(config, command.Step, command.RejoinCheck, failed: null);
                return Answer(config);
            });
            if (summary is null)
            {
                var failed = await AskNodesAsync(command.Step); // nodes under a fault: their grains draw, as Orleans calls
                summary = await ComputeLane.Shared.Run(() =>
                {
                    Gather(config, command.Step, command.RejoinCheck, failed);
                    return Answer(config);
                });
            }
        }

        (_drawAhead ??= new DrawAhead(this)).Offer(command.Step + 1);
        return summary;
    }

    /// <summary>
    /// Whether a step can be answered from the reduction made ahead (<paramref name="gatheredAhead"/>, the step it
    /// reduced, or -1): only for that step, and at a checkpoint's rejoin check only when no node of the block is
    /// evicted, since a rejoin check reads evicted nodes alone (the reduction ahead left them out). Before 2026-11-28
    /// every rejoin check reduced again: with <c>job.checkpointEverySteps</c> 1 the work ahead was never used.
    /// </summary>
    internal static bool UsesReductionAhead(long gatheredAhead, StepCommand command, bool anyEvicted) =>
        gatheredAhead == command.Step && (!command.RejoinCheck || !anyEvicted);

    /// <summary>Steps answered from a reduction made ahead, in this process (for the tests).</summary>
    internal static long AnsweredAhead => Interlocked.Read(ref _answeredAhead);

    private static long _answeredAhead;

    // The step's reduction from its row of the ring (BlockReduction): it changes nothing else of the block (Answer
    // does), so that it can run ahead of the step's call and be thrown away.
    private void Gather(BlockConfig config, long step, bool rejoinCheck, HashSet<int>? failed) =>
        _reduction.Gather(_ring.AsSpan(RowOf(step) * _specs.Length, _specs.Length), _evicted, config.BarrierTimeoutSeconds, rejoinCheck, failed);

    // The step Gather reduced, made the block's: its evictions and rejoins, its times (what the meters read), its
    // compute histograms, and the summary the block answers.
    private BarrierSummary Answer(BlockConfig config)
    {
        _gatheredAhead = -1;
        var reduction = _reduction;
        foreach (var i in reduction.Missed)
        {
            _evicted[i] = true;
        }

        foreach (var i in reduction.Rejoined)
        {
            _evicted[i] = false;
        }

        reduction.Times.CopyTo(_previous);
        for (var g = 0; g < _generations.Length; g++)
        {
            histograms.AddCompute(config.Scenario, config.Site, _generations[g], reduction.ComputeBuckets[g]);
        }

        return new BarrierSummary(reduction.Groups(), reduction.Slowest(), reduction.MissedNodes(), CountStates(), _refill.Count, reduction.RejoinedNodes());
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await SettleDrawAheadAsync(); // no draw ahead left running over this activation's arrays
        if (_config is not null)
        {
            gauges.Unregister(_config.Block);
            dcgm.Unregister(_config.Block);
        }
    }

    // Node counts by state change only when a node's health does: the last answer is sent again while they hold.
    private NodeCounts[] CountStates()
    {
        var counts = _tally;
        Array.Clear(counts);
        for (var i = 0; i < _specs.Length; i++)
        {
            ref var c = ref counts[_generationOf[i]];
            var health = _effects[i].Health;
            if (_evicted[i] || health == NodeHealth.Down)
            {
                c.Down++;
            }
            else if (health == NodeHealth.Degraded)
            {
                c.Degraded++;
            }
            else
            {
                c.Healthy++;
            }
        }

        var same = _states.Length == counts.Length;
        for (var g = 0; same && g < counts.Length; g++)
        {
            same = _states[g].Healthy == counts[g].Healthy && _states[g].Degraded == counts[g].Degraded && _states[g].Down == counts[g].Down;
        }

        return same ? _states : _states = _generations.Select((g, k) => new NodeCounts(g, counts[k].Healthy, counts[k].Degraded, counts[k].Down)).ToArray();
    }
}
