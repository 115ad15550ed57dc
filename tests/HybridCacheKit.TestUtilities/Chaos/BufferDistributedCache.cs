using System.Buffers;
using Microsoft.Extensions.Caching.Distributed;

namespace HybridCacheKit.TestUtilities.Chaos;

/// <summary>
/// An in-memory <see cref="IBufferDistributedCache"/> with the expiration contract of the Redis
/// and SQL Server caches, driven by an injected <see cref="TimeProvider"/>: relative expiration
/// wins over absolute; an absolute expiration not in the future throws; sliding expiration is
/// renewed by reads and <c>Refresh</c> but never beyond the absolute one; an entry is expired from
/// the instant it is due. Values are copied on the way in and out. Thread-safe.
/// </summary>
public sealed class BufferDistributedCache : IBufferDistributedCache
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates an empty cache using <paramref name="timeProvider"/> (the system clock if null).</summary>
    public BufferDistributedCache(TimeProvider? timeProvider = null)
    {
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The number of entries that have not expired.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                var now = _timeProvider.GetUtcNow();
                return _entries.Values.Count(e => !e.IsExpired(now));
            }
        }
    }

    /// <inheritdoc />
    public byte[]? Get(string key) => Read(key)?.ToArray();

    /// <inheritdoc />
    public Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        token.ThrowIfCancellationRequested();
        return Task.FromResult(Get(key));
    }

    /// <inheritdoc />
    public bool TryGet(string key, IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var value = Read(key);
        if (value is null)
        {
            return false;
        }

        destination.Write(value);
        return true;
    }

    /// <inheritdoc />
    public ValueTask<bool> TryGetAsync(string key, IBufferWriter<byte> destination, CancellationToken token = default)
    {
        token.ThrowIfCancellationRequested();
        return ValueTask.FromResult(TryGet(key, destination));
    }

    /// <inheritdoc />
    public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
    {
        ArgumentNullException.ThrowIfNull(value);
        Write(key, value.ToArray(), options);
    }

    /// <inheritdoc />
    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        token.ThrowIfCancellationRequested();
        Set(key, value, options);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public void Set(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options) =>
        Write(key, value.ToArray(), options);

    /// <inheritdoc />
    public ValueTask SetAsync(
        string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        token.ThrowIfCancellationRequested();
        Set(key, value, options);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public void Refresh(string key) => Read(key);

    /// <inheritdoc />
    public Task RefreshAsync(string key, CancellationToken token = default)
    {
        token.ThrowIfCancellationRequested();
        Refresh(key);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public void Remove(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_gate)
        {
            _entries.Remove(key);
        }
    }

    /// <inheritdoc />
    public Task RemoveAsync(string key, CancellationToken token = default)
    {
        token.ThrowIfCancellationRequested();
        Remove(key);
        return Task.CompletedTask;
    }

    // Returns the stored array (callers copy or write it out); renews sliding expiration.
    private byte[]? Read(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out var entry))
            {
                return null;
            }

            var now = _timeProvider.GetUtcNow();
            if (entry.IsExpired(now))
            {
                _entries.Remove(key);
                return null;
            }

            entry.LastAccess = now;
            return entry.Value;
        }
    }

    private void Write(string key, byte[] value, DistributedCacheEntryOptions options)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(options);
        var now = _timeProvider.GetUtcNow();
        var absolute = options.AbsoluteExpirationRelativeToNow is { } relative ? now + relative : options.AbsoluteExpiration;
        if (options.AbsoluteExpirationRelativeToNow is null && absolute <= now)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options), options.AbsoluteExpiration, "The absolute expiration value must be in the future.");
        }

        lock (_gate)
        {
            _entries[key] = new Entry(value, absolute, options.SlidingExpiration) { LastAccess = now };
        }
    }

    private sealed class Entry(byte[] value, DateTimeOffset? absoluteExpiration, TimeSpan? slidingExpiration)
    {
        public byte[] Value { get; } = value;

        public DateTimeOffset LastAccess { get; set; }

        public bool IsExpired(DateTimeOffset now) =>
            now >= absoluteExpiration || (slidingExpiration is { } sliding && now >= LastAccess + sliding);
    }
}
