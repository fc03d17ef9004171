using OrleansCluster.Abstractions.Messages;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Nodes;

/// <summary>
/// A node's compute times over consecutive steps under an effect, as the model gives them: the one function a node's
/// grain (while a fault holds the node) and its block (while it is at rest) both draw with, so that the two agree
/// bit for bit.
/// </summary>
internal static class NodeTimes
{
    /// <summary>Fills <paramref name="into"/> with the node's times for the steps from <paramref name="fromStep"/>.</summary>
    public static void Draw(NodeSpec spec, ulong stream, NodeEffect effect, long fromStep, Span<double> into)
    {
        if (effect.Crashed)
        {
            into.Fill(double.PositiveInfinity); // it never reaches the barrier
            return;
        }

        var draws = new ComputeDraws(spec.ComputeCv, spec.OutlierProbability, spec.OutlierFactor);
        for (var k = 0; k < into.Length; k++)
        {
            into[k] = draws.Seconds(spec.NominalComputeSeconds, effect.Slowdown, spec.Seed, stream, fromStep + k);
        }
    }
}
