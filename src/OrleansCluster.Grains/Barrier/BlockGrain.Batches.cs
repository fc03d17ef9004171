using Microsoft.Extensions.Logging;
using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Barrier;

/// <summary>The block's batches: drawn here for nodes at rest, asked of the node grains a fault touches.</summary>
public sealed partial class BlockGrain
{
    public async Task SetNodeEffectsAsync(long epoch, IReadOnlyList<NodeEffectChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var takenBack = await SettleDrawAheadAsync(); // a batch drawn ahead for a node whose effect changes here is drawn again (stale)
        var gatheredAhead = _gatheredAhead >= 0;
        if (_config is { } config && epoch < config.Epoch)
        {
            if (takenBack)
            {
                _drawAhead!.OfferAgain();
            }

            return; // meant for a run that is over: the registry tells this run's effects anew
        }

        if (_config is null && changes.All(c => c.Effect == NodeEffect.None))
        {
            // A registry read back tells every block of the layout its nodes' effects, none for most (FaultRegistryMemory.
            // Restore): a block not laid out yet (a cold start) has nothing to take back, and goes without a line.
            DeactivateOnIdle();
            return;
        }

        if (_config is null || epoch > _config.Epoch)
        {
            // Not this run's block: lost with its silo and activated by this call, or left from an earlier run. The
            // run's next step fails on it and the job lays the tree out again, after which the registry tells every
            // effect anew; meanwhile this activation goes, so that the shard's call places the block beside it.
            var block = this.GetPrimaryKeyString();
            LogNotConfigured(logger, block, epoch);
            DeactivateOnIdle();
            return;
        }

        foreach (var (node, effect, rows) in changes)
        {
            if (!_indexOf.TryGetValue(node, out var i))
            {
                LogNotInBlock(logger, node, _config.Block); // a registry laying nodes out in other blocks than the job
                continue;
            }

            // One instance stands for no effect, so that the refill tells a node at rest by reference (an effect from a
            // registry built before PowerLimitRatio reads it 1, no limit, as it is deserialized: NodeEffectActivator).
            _effects[i] = effect == NodeEffect.None ? NodeEffect.None : effect;
            _remappedRows[i] = rows;
            _stale[i] = true;
            _gatheredAhead = -1; // the next step reduced ahead read the node's old batch
        }

        if (takenBack || (gatheredAhead && _gatheredAhead < 0))
        {
            _drawAhead!.OfferAgain(); // the draws it had not started, or the step it had reduced, now under the effects told
        }
    }

    // Makes the block's own turn the only one touching its batches; answers whether a draw ahead was taken back
    // before it started (the caller may offer it again).
    private Task<bool> SettleDrawAheadAsync() => _drawAhead?.SettleAsync() ?? Task.FromResult(false);

    private bool AtRest(int i) => ReferenceEquals(_effects[i], NodeEffect.None);

    // Draws the next batch of each node at rest whose batch does not cover this step, and lists in _refill the
    // others (and those whose batch went stale), whose grains are asked by AskNodesAsync. Pure: no grain call.
    private void DrawDue(long step, bool rejoinCheck)
    {
        _refill.Clear();
        for (var i = 0; i < _specs.Length; i++)
        {
            if (_evicted[i] && !rejoinCheck)
            {
                continue;
            }

            if (_stale[i] || step < _windowFrom[i] || step >= _windowEnd[i])
            {
                if (AtRest(i))
                {
                    DrawAtRest(i, step, CountFrom(i, step));
                }
                else
                {
                    _refill.Add(i);
                }
            }
        }
    }

    // The steps of node i's batch drawn from `step`: up to its group's next phase step, so that its next batch falls
    // due there whatever step this one was drawn at (the first, an effect starting or ending, a rejoin, a step back
    // to a checkpoint, a new layout's first step). Nodes go in groups of eight neighbours, whose times then sit side by
    // side in each of the ring's rows, so a group's draws write shared cache lines (a node alone at a step wrote a
    // line per row for one double, eight times the bytes of the step's read of its row). The groups' phases spread
    // evenly over the BatchSteps steps, from an offset of the block's own, so that about 1/BatchSteps of a silo's
    // nodes are drawn at each step even where blocks have fewer groups than BatchSteps.
    private int CountFrom(int i, long step)
    {
        var groups = (_specs.Length + DrawGroup - 1) / DrawGroup;
        var group = i / DrawGroup;
        var spread = groups >= _batchSteps ? group % _batchSteps : (int)((long)group * _batchSteps / groups);
        var phase = (spread + _blockPhase) % _batchSteps;
        return _batchSteps - (int)((step - 1 + phase) % _batchSteps);
    }

    // Asks the grains of the nodes DrawDue listed for their next batch under their effect, all at once; returns
    // those that could not answer (they miss the barrier).
    private async Task<HashSet<int>?> AskNodesAsync(long step)
    {
        if (_refill.Count == 0)
        {
            return null;
        }

        _calls.Clear();
        foreach (var i in _refill)
        {
            _calls.Add(_grains[i].ComputeAsync(new NodeBatchRequest(_specs[i], step, CountFrom(i, step), _effects[i])));
        }

        try
        {
            await Task.WhenAll(_calls);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Looked at per node below: a node that cannot answer misses the barrier.
        }

        HashSet<int>? failed = null;
        for (var j = 0; j < _refill.Count; j++)
        {
            var i = _refill[j];
            var call = _calls[j];
            if (call.IsCompletedSuccessfully)
            {
                var batch = call.Result;
                var times = batch.ComputeSeconds;
                var count = Math.Min(times.Length, _batchSteps);
                for (var k = 0; k < count; k++)
                {
                    _ring[(RowOf(step + k) * _specs.Length) + i] = times[k];
                }

                _windowFrom[i] = step;
                _windowEnd[i] = step + count;
                _stale[i] = false;
            }
            else
            {
                LogNodeUnreachable(logger, _specs[i].Node, call.Exception?.GetBaseException().Message);
                (failed ??= []).Add(i);
            }
        }

        return failed;
    }

    // Node i's times for `count` steps from `step` with no fault: what its grain answers for a healthy node.
    private void DrawAtRest(int i, long step, int count)
    {
        var spec = _specs[i];
        var draws = new ComputeDraws(spec.ComputeCv, spec.OutlierProbability, spec.OutlierFactor);
        var n = _specs.Length;
        for (var k = 0; k < count; k++)
        {
            _ring[(RowOf(step + k) * n) + i] = draws.Seconds(spec.NominalComputeSeconds, NodeEffect.None.Slowdown, spec.Seed, _streams[i], step + k);
        }

        _windowFrom[i] = step;
        _windowEnd[i] = step + count;
        _stale[i] = false;
    }

    // Nodes drawn at the same steps, side by side: a cache line of the ring's doubles.
    private const int DrawGroup = 8;

    private int RowOf(long step) => (int)(step % _batchSteps);

    /// <summary>
    /// The batches of the nodes at rest that the next step will find due, drawn once the block has answered a step,
    /// in time its silo spends waiting for the other silos and the job (spare work: the step takes it back if it has
    /// not started, and DrawDue draws whatever is still due, evicted nodes at a checkpoint and stale ones included).
    /// It first records the barrier waits of the step just answered (each node's wait for that step's slowest node), and
    /// with <see cref="SimulationTuning.StepAhead"/>, when no node of the block waits on its grain for that step, the
    /// step is then reduced too (<see cref="Gather"/>: distributions, the K slowest, the nodes that miss the barrier),
    /// and the step's call only records the last step's waits and answers; an effect told meanwhile, a checkpoint's
    /// rejoin check with a node of the block evicted, or another step than the next throws the reduction away, and the step reduces as it would have.
    /// One step ahead: a batch fills the node's BatchSteps rows of the ring, so a node drawn from step s + 1 overwrites
    /// only its row of step s, already reduced; drawn from s + 2, it would overwrite the row step s + 1 still reads,
    /// which would then find the node's window past it and draw it again (work wasted, not a wrong time). Draws are
    /// seeded by node and step, so a batch drawn ahead reads as one drawn later, and a step that is not the next (the
    /// job went back to its checkpoint) likewise finds the window past it and draws again.
    /// </summary>
    /// <remarks>
    /// Off the grain's turn it writes only the batches' state (<c>_ring</c>, <c>_windowFrom</c>, <c>_windowEnd</c>,
    /// <c>_stale</c> and <c>_refill</c>), the step's reduction (<c>_reduction</c>'s buffers, <c>_gatheredAhead</c>) and the
    /// last step's barrier waits (<c>_waitBuckets</c>, <c>_waitMax</c>, and the node histograms, which lock); it reads the specs, streams, effects and evicted flags. What
    /// reads the block from outside its turns (migration's <c>OnDehydrate</c>, the meters' callbacks over
    /// <c>_previous</c>, <c>_busy</c>, <c>_effects</c> and <c>_evicted</c>) must read none of what it writes.
    /// </remarks>
    internal sealed class DrawAhead(BlockGrain block) : SpareWork
    {
        private long _step;

        public void Offer(long step)
        {
            _step = step;
            ComputeLane.Shared.Offer(this);
        }

        public void OfferAgain() => ComputeLane.Shared.Offer(this);

        /// <summary>Draws ahead run to their end in this process, all blocks together (for the tests to wait on).</summary>
        internal static long Finished => Interlocked.Read(ref _finished);

        private static long _finished;

        protected override void Work()
        {
            var config = block._config!;
            block.RecordBarrierWaits(config); // the last step's
            block.DrawDue(_step, rejoinCheck: false);
            if (block._refill.Count == 0 && block._stepAhead)
            {
                block.Gather(config, _step, rejoinCheck: false, failed: null);
                block._gatheredAhead = _step;
            }

            block._refill.Clear(); // the nodes under an effect are asked of their grains by the step, not here
            Interlocked.Increment(ref _finished);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "node {Node} did not answer its block: {Reason}")]
    private static partial void LogNodeUnreachable(ILogger logger, string node, string? reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "block {Block} is not configured for run {Epoch}: an effect for it waits for the tree to be laid out again")]
    private static partial void LogNotConfigured(ILogger logger, string block, long epoch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "node {Node} is not in block {Block}: its effect is dropped (the registry and the job disagree on Simulation:BlockSize)")]
    private static partial void LogNotInBlock(ILogger logger, string node, string block);
}
