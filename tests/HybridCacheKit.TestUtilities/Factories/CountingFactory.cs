namespace HybridCacheKit.TestUtilities.Factories;

/// <summary>
/// A cache factory that counts its runs and produces its value from the run number, so a test can assert both how
/// often the factory ran and which run produced the value it got. Pass <see cref="InvokeAsync"/> as the factory.
/// Thread-safe.
/// </summary>
/// <typeparam name="T">The value type.</typeparam>
public sealed class CountingFactory<T>
{
    private readonly Func<int, T> _produce;
    private int _calls;

    /// <summary>A factory returning <paramref name="produce"/>(run number), the first run being 1.</summary>
    /// <param name="produce">Makes the value of a run from its number.</param>
    public CountingFactory(Func<int, T> produce)
    {
        ArgumentNullException.ThrowIfNull(produce);
        _produce = produce;
    }

    /// <summary>A factory that always returns <paramref name="value"/>.</summary>
    /// <param name="value">The value of every run.</param>
    public CountingFactory(T value)
        : this(_ => value)
    {
    }

    /// <summary>How many times the factory ran.</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>The factory itself.</summary>
    /// <param name="cancellationToken">Ignored.</param>
    /// <returns>The value of this run.</returns>
    public ValueTask<T> InvokeAsync(CancellationToken cancellationToken) => ValueTask.FromResult(_produce(Interlocked.Increment(ref _calls)));
}
