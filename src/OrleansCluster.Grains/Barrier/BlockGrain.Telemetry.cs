using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Grains.Telemetry;

namespace OrleansCluster.Grains.Barrier;

/// <summary>What the block's meters read of a step besides its compute times: each node's wait at the barrier, and the share of the step it was busy.</summary>
public sealed partial class BlockGrain
{
    private NodeHistograms.Buckets[] _waitBuckets = [];
    private double[] _waitTimes = []; // the times of the step whose barrier waits are still to record
    private double _waitMax; // that step's slowest compute time (0: no waits to record)

    // The share of the last step each node spent computing (the rest it waited inside the collective): what its GPUs'
    // activity and power show. A failed step lasted the barrier timeout (the job hands that as its length), so its
    // share is t_i / timeout; a node that missed the barrier has no time (NaN) and reads as evicted.
    private void RecordBusy(double previousStepSeconds)
    {
        if (!telemetry.Value.Dcgm || !(previousStepSeconds > 0))
        {
            return;
        }

        for (var i = 0; i < _previous.Length; i++)
        {
            _busy[i] = double.IsNaN(_previous[i]) ? double.NaN : _previous[i] / previousStepSeconds;
        }
    }

    // The barrier released the last step at its slowest node's time (the step's call tells it): its nodes' times are
    // kept, and their waits recorded by the draw ahead, in time the silo would otherwise wait, or by the next step's
    // call if the draw ahead did not get to them.
    private void KeepBarrierWaits(BlockConfig config, double previousMaxComputeSeconds)
    {
        RecordBarrierWaits(config);
        if (previousMaxComputeSeconds > 0)
        {
            _previous.CopyTo(_waitTimes, 0);
            _waitMax = previousMaxComputeSeconds;
        }
    }

    // Each node that took part in the kept step waited the rest of its slowest node's time.
    private void RecordBarrierWaits(BlockConfig config)
    {
        var max = _waitMax;
        if (!(max > 0))
        {
            return;
        }

        _waitMax = 0;
        foreach (var buckets in _waitBuckets)
        {
            buckets.Clear();
        }

        for (var i = 0; i < _waitTimes.Length; i++)
        {
            var t = _waitTimes[i];
            if (!double.IsNaN(t))
            {
                _waitBuckets[_generationOf[i]].Add(Math.Max(0, max - t));
            }
        }

        for (var g = 0; g < _generations.Length; g++)
        {
            histograms.AddWait(config.Scenario, config.Site, _generations[g], _waitBuckets[g]);
        }
    }
}
