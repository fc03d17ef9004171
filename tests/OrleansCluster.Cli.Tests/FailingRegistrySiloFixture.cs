using Microsoft.Extensions.DependencyInjection;
using OrleansCluster.Abstractions.Grains;
using StackExchange.Redis;

namespace OrleansCluster.Cli.Tests;

/// <summary>
/// A real silo served by Kestrel on 127.0.0.1 (so that the built CLI can be pointed at it), on <c>small</c> at
/// realtime x50, whose fault registry can be made to fail injections the two ways production sees: Redis out of
/// reach (the write fails, nothing is made: the API answers 503 "Storage unavailable"), or the answer lost after
/// the fault was made (the API answers 503 "Grain call timed out", though the fault is in force).
/// </summary>
public sealed class FailingRegistrySiloFixture : KestrelCliSiloFixture
{
    public FailingRegistrySiloFixture()
        : this(new InjectionFailures())
    {
    }

    private FailingRegistrySiloFixture(InjectionFailures injections)
        : base(services => services.AddSingleton<IIncomingGrainCallFilter>(injections)) => Injections = injections;

    public InjectionFailures Injections { get; }

    public enum Failure
    {
        None,

        /// <summary>Refused before anything is made, as when Redis is out of reach.</summary>
        StorageDown,

        /// <summary>Made, then the answer lost, as when the registry's silo does not answer in time.</summary>
        AnswerLost,
    }

    /// <summary>Fails the registry's injections as <see cref="Mode"/> says; every other call passes.</summary>
    public sealed class InjectionFailures : IIncomingGrainCallFilter
    {
        private volatile int _mode;

        public Failure Mode
        {
            get => (Failure)_mode;
            set => _mode = (int)value;
        }

        public async Task Invoke(IIncomingGrainCallContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            var injection = context.InterfaceMethod?.Name is nameof(IFaultRegistryGrain.InjectAsync) or nameof(IFaultRegistryGrain.InjectOnceAsync);
            if (injection && Mode == Failure.StorageDown)
            {
                throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "No connection is available to service this operation (test: Redis is down)");
            }

            await context.Invoke();
            if (injection && Mode == Failure.AnswerLost)
            {
                throw new TimeoutException("the registry's answer was lost (test)");
            }
        }
    }
}
