using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OrleansCluster.Grains.Links;
using OrleansCluster.Model.Simulation;

namespace OrleansCluster.Grains.Tests.Links;

/// <summary>The model's link records cross between grains as they are, through their surrogates: serialized and copied unchanged.</summary>
public sealed class LinkSurrogateTests
{
    private readonly ServiceProvider _services = new ServiceCollection()
        .AddSerializer(s => s.AddAssembly(typeof(LinkSurrogates).Assembly))
        .BuildServiceProvider();

    [Fact]
    public void ALinksFiguresAndItsEffectRoundTripThroughTheSerializerAndTheCopier()
    {
        var serializer = _services.GetRequiredService<Serializer>();
        var copier = _services.GetRequiredService<DeepCopier>();
        var state = new LinkState("a-b", false, 0.0123, 4.5e10, 0.01, 0.002, 5e10);
        var effect = new LinkEffect(0.004, 0.001, 0.5, 0.02, Up: false);

        Assert.Equal(state, serializer.Deserialize<LinkState>(serializer.SerializeToArray(state)));
        Assert.Equal(effect, serializer.Deserialize<LinkEffect>(serializer.SerializeToArray(effect)));
        Assert.Equal(state, copier.Copy(state));
        Assert.Equal(effect, copier.Copy(effect));
    }
}
