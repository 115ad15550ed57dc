using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

namespace HybridCacheKit.AspNetCore.Tests.Invalidation.Infrastructure;

/// <summary>
/// Wraps the real engine: every call goes through to it, and removals are recorded so a test can assert exactly which
/// tags a request invalidated. <see cref="FailRemovals"/> injects a failure (the engine itself never throws for an L2
/// outage, but another HybridCache, or a cancelled call, can).
/// </summary>
internal sealed class RecordingHybridCache(HybridCache inner) : HybridCache
{
    private readonly ConcurrentQueue<string[]> _tagCalls = new();
    private readonly ConcurrentQueue<string[]> _keyCalls = new();

    /// <summary>Each RemoveByTagAsync call, as the tags it named.</summary>
    public IReadOnlyList<string[]> TagCalls => [.. _tagCalls];

    /// <summary>Each RemoveAsync call, as the keys it named.</summary>
    public IReadOnlyList<string[]> KeyCalls => [.. _keyCalls];

    /// <summary>Every tag invalidated so far, in order.</summary>
    public IReadOnlyList<string> Tags => [.. _tagCalls.SelectMany(c => c)];

    public bool FailRemovals { get; set; }

    /// <summary>Replaces the registered HybridCache (the engine) with a recorder around it.</summary>
    public static void Install(IServiceCollection services)
    {
        var engine = services.Last(d => d.ServiceType == typeof(HybridCache));
        services.Remove(engine);
        services.AddSingleton(sp => new RecordingHybridCache(Resolve(engine, sp)));
        services.AddSingleton<HybridCache>(sp => sp.GetRequiredService<RecordingHybridCache>());
    }

    public override ValueTask<T> GetOrCreateAsync<TState, T>(string key, TState state, Func<TState, CancellationToken, ValueTask<T>> factory, HybridCacheEntryOptions? options = null, IEnumerable<string>? tags = null, CancellationToken cancellationToken = default)
        => inner.GetOrCreateAsync(key, state, factory, options, tags, cancellationToken);

    public override ValueTask SetAsync<T>(string key, T value, HybridCacheEntryOptions? options = null, IEnumerable<string>? tags = null, CancellationToken cancellationToken = default)
        => inner.SetAsync(key, value, options, tags, cancellationToken);

    public override ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default)
    {
        _keyCalls.Enqueue([key]);
        ThrowIfFailing();
        return inner.RemoveAsync(key, cancellationToken);
    }

    public override ValueTask RemoveAsync(IEnumerable<string> keys, CancellationToken cancellationToken = default)
    {
        var list = keys.ToArray();
        _keyCalls.Enqueue(list);
        ThrowIfFailing();
        return inner.RemoveAsync(list, cancellationToken);
    }

    public override ValueTask RemoveByTagAsync(string tag, CancellationToken cancellationToken = default)
    {
        _tagCalls.Enqueue([tag]);
        ThrowIfFailing();
        return inner.RemoveByTagAsync(tag, cancellationToken);
    }

    public override ValueTask RemoveByTagAsync(IEnumerable<string> tags, CancellationToken cancellationToken = default)
    {
        var list = tags.ToArray();
        _tagCalls.Enqueue(list);
        ThrowIfFailing();
        return inner.RemoveByTagAsync(list, cancellationToken);
    }

    private void ThrowIfFailing()
    {
        if (FailRemovals)
        {
            throw new InvalidOperationException("Injected cache failure.");
        }
    }

    private static HybridCache Resolve(ServiceDescriptor descriptor, IServiceProvider services) => descriptor switch
    {
        { ImplementationFactory: { } factory } => (HybridCache)factory(services),
        { ImplementationInstance: HybridCache instance } => instance,
        _ => (HybridCache)ActivatorUtilities.CreateInstance(services, descriptor.ImplementationType!),
    };
}
