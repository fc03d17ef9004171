using OrleansCluster.Abstractions.Grains;
using OrleansCluster.Abstractions.Messages;

namespace OrleansCluster.Grains.Barrier;

/// <summary>A site's coordinator: runs each step on its blocks in parallel and merges what they pass up.</summary>
public sealed class SiteGrain : Grain, ISiteGrain
{
    private SiteConfig? _config;
    private IBlockGrain[] _blocks = [];
    private int _topK = 1;

    public async Task ConfigureAsync(SiteConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;
        _blocks = config.Blocks.Select(b => GrainFactory.GetGrain<IBlockGrain>(b.Block)).ToArray();
        _topK = config.Blocks.Count == 0 ? 1 : config.Blocks[0].TopK;
        await Task.WhenAll(config.Blocks.Select((b, i) => _blocks[i].ConfigureAsync(b)));
    }

    public async Task<BarrierSummary> RunStepAsync(StepCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var config = _config ?? throw new InvalidOperationException($"site {this.GetPrimaryKeyString()} is not configured");
        if (config.Epoch != command.Epoch)
        {
            throw new InvalidOperationException($"site {config.Site} runs epoch {config.Epoch}, asked for {command.Epoch}");
        }

        var tasks = new Task<BarrierSummary>[_blocks.Length];
        for (var b = 0; b < _blocks.Length; b++)
        {
            tasks[b] = _blocks[b].RunStepAsync(command);
        }

        var summaries = await Task.WhenAll(tasks);
        return Summaries.Merge(summaries, _topK, _blocks.Length);
    }
}
