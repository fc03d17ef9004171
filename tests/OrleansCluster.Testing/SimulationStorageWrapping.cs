using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using OrleansCluster.Grains;

namespace OrleansCluster.Testing;

/// <summary>Puts a test's grain storage (one that fails or counts writes on demand) in front of the simulation's own.</summary>
public static class SimulationStorageWrapping
{
    /// <summary>
    /// Replaces the simulation's grain storage, as the host registered it, with <paramref name="wrap"/> of it; call
    /// after the simulation's own services.
    /// </summary>
    public static IServiceCollection WrapSimulationStorage(this IServiceCollection services, Func<IGrainStorage, IGrainStorage> wrap)
    {
        ArgumentNullException.ThrowIfNull(services);
        var registered = services.Last(s => s.ServiceType == typeof(IGrainStorage) && s.IsKeyedService && Equals(s.ServiceKey, SimulationStorage.Name));
        services.Remove(registered);
        var factory = registered.KeyedImplementationFactory!;
        services.AddKeyedSingleton<IGrainStorage>(SimulationStorage.Name, (provider, key) => wrap((IGrainStorage)factory(provider, key)));
        return services;
    }
}
